package dev.gretun.core.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.GretunException;
import dev.gretun.core.coord.CoordWire;
import java.util.List;
import org.junit.jupiter.api.Test;

class TunnelPoolTest {
  private static CoordWire.RegisterResponse reg(String ip, int prefix, String pool) {
    return new CoordWire.RegisterResponse("n", ip, prefix, pool, List.of(), "c", true, 25, null);
  }

  private static String refused(String ip, int prefix, String pool) {
    GretunException e =
        assertThrows(
            GretunException.class, () -> TunnelPool.fromRegistration(reg(ip, prefix, pool)));
    assertEquals("registration_refused", e.code());
    return e.getMessage();
  }

  @Test
  void aConsistentReplyGivesThePool() {
    TunnelPool p = TunnelPool.fromRegistration(reg("100.64.0.2", 24, "100.64.0.0/24"));
    assertEquals("100.64.0.0/24", p.toString());
    assertEquals("100.64.0.2", p.selfText());
    assertEquals(
        "100.64.0.0/24", TunnelPool.fromRegistration(reg("100.64.0.2", 24, null)).toString());
  }

  @Test
  void anUnusableRegistrationReplyStopsStartUp() {
    assertTrue(refused("100.64.0.02", 24, null).contains("canonical"));
    assertTrue(refused("example.com", 24, null).contains("IPv4"));
    assertTrue(refused(null, 24, null).contains("missing"));
    assertTrue(refused("100.64.0.2", 0, null).contains("prefix length 0"));
    assertTrue(refused("100.64.0.2", 31, null).contains("prefix length 31"));
    assertTrue(refused("100.64.0.0", 24, null).contains("network address"));
    assertTrue(refused("100.64.0.255", 24, null).contains("broadcast address"));
    assertTrue(refused("127.0.0.2", 24, null).contains("unicast"));
    assertTrue(refused("100.64.0.2", 24, "0.0.0.0/0").contains("not the subnet"));
    assertTrue(refused("100.64.0.2", 24, "100.64.0.0/16").contains("not the subnet"));
  }

  @Test
  void peerAddressesMustBeInsideTheSubnetAndNotSpecial() {
    TunnelPool p = TunnelPool.fromRegistration(reg("100.64.0.2", 24, "100.64.0.0/24"));
    assertNull(p.refusalFor(TunnelPool.parseCanonical("100.64.0.3"), true));
    assertTrue(p.refusalFor(TunnelPool.parseCanonical("8.8.8.8"), true).contains("outside"));
    assertTrue(p.refusalFor(TunnelPool.parseCanonical("10.0.1.1"), true).contains("outside"));
    assertTrue(p.refusalFor(TunnelPool.parseCanonical("100.64.1.3"), true).contains("outside"));
    assertEquals("network address", p.refusalFor(TunnelPool.parseCanonical("100.64.0.0"), true));
    assertEquals(
        "broadcast address", p.refusalFor(TunnelPool.parseCanonical("100.64.0.255"), true));
    assertEquals("our own address", p.refusalFor(TunnelPool.parseCanonical("100.64.0.2"), true));
  }
}
