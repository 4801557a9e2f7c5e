package dev.gretun.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.tunnel.TunnelStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthTargetsTest {
  private static TunnelStatus tunnel(String name, boolean managed, String... addresses) {
    return new TunnelStatus(
        name,
        "gre",
        "192.0.2.1",
        "198.51.100.2",
        null,
        64,
        false,
        "fou",
        7777,
        7777,
        false,
        7777,
        managed,
        1468,
        true,
        "unknown",
        List.of(addresses),
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0);
  }

  @Test
  void peerAddressIsThePointToPointPeerNeverTheOuterAddress() {
    assertEquals("10.9.0.2", HealthTargets.peerAddress(List.of("10.9.0.1 peer 10.9.0.2/32")));
    assertEquals("10.9.0.2", HealthTargets.peerAddress(List.of("10.9.0.1 peer 10.9.0.2")));
    // /31 (RFC 3021): the other address of the pair, either way round.
    assertEquals("10.9.0.5", HealthTargets.peerAddress(List.of("10.9.0.4/31")));
    assertEquals("10.9.0.4", HealthTargets.peerAddress(List.of("10.9.0.5/31")));
    // /30: the other host; the network and broadcast addresses name no peer.
    assertEquals("10.9.0.6", HealthTargets.peerAddress(List.of("10.9.0.5/30")));
    assertEquals("10.9.0.5", HealthTargets.peerAddress(List.of("10.9.0.6/30")));
    assertNull(HealthTargets.peerAddress(List.of("10.9.0.4/30")));
    // A wider subnet or no address: no single peer.
    assertNull(HealthTargets.peerAddress(List.of("10.9.0.1/24")));
    assertNull(HealthTargets.peerAddress(List.of()));
    assertNull(HealthTargets.peerAddress(List.of("garbage/31", "1.2.3/31")));
    // A peer form wins over a subnet listed first.
    assertEquals(
        "10.8.0.9", HealthTargets.peerAddress(List.of("10.9.0.1/24", "10.8.0.1 peer 10.8.0.9/32")));
  }

  @Test
  void staticTunnelsThenDaemonPeersWithoutForeignOrDaemonDevices() throws Exception {
    JsonNode peers =
        new ObjectMapper()
            .readTree(
                "[{\"name\":\"b\",\"tunnel_ip\":\"100.64.0.2\"},"
                    + "{\"name\":\"c\",\"tunnel_ip\":null},"
                    + "{\"name\":\"dup\",\"tunnel_ip\":\"10.9.0.2\"}]");
    List<HealthTargets.Target> t =
        HealthTargets.of(
            List.of(
                tunnel("gt0", true, "10.9.0.1 peer 10.9.0.2/32"),
                tunnel("gt1", true, "10.7.0.1/24"),
                tunnel("theirs", false, "10.6.0.1/31"),
                tunnel("gt0a1b2c3d", true, "100.64.0.1 peer 100.64.0.2/32")),
            peers);
    assertEquals(
        List.of("gt0", "gt1", "b", "c"), t.stream().map(HealthTargets.Target::name).toList());
    assertEquals("10.9.0.2", t.get(0).peerIp());
    assertEquals("static", t.get(0).source());
    assertNull(t.get(1).peerIp());
    assertTrue(t.get(1).why().contains("--tunnel-ip"), t.get(1).why());
    assertEquals(new HealthTargets.Target("b", "daemon", null, "100.64.0.2", null), t.get(2));
    assertNull(t.get(3).peerIp());
  }

  @Test
  void withoutDaemonOnlyStaticTunnels() {
    List<HealthTargets.Target> t =
        HealthTargets.of(List.of(tunnel("gt0", true, "10.9.0.4/31")), null);
    assertEquals(1, t.size());
    assertEquals("10.9.0.5", t.get(0).peerIp());
  }
}
