package dev.gretun.core.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.os.Errno;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class GreKeyClaimsTest {
  private final LongAdder collisions = new LongAdder();
  private final GreKeyClaims claims = new GreKeyClaims(collisions);

  private static PeerRoute route(String peer, int key, String ip) throws Exception {
    return PeerRoute.idle(peer, key, (Inet4Address) InetAddress.getByName(ip));
  }

  @Test
  void distinctKeysAreAllAdmittedInOrder() throws Exception {
    List<PeerRoute> routes = List.of(route("a", 1, "100.64.0.2"), route("b", 2, "100.64.0.3"));
    assertEquals(routes, claims.admit(routes));
    assertEquals(0, collisions.sum());
  }

  @Test
  void theHolderKeepsItsKeyWhateverTheOrderAndACollisionCountsOnce() throws Exception {
    PeerRoute a = route("a", 7, "100.64.0.2");
    PeerRoute b = route("b", 7, "100.64.0.3");
    PeerRoute c = route("c", 8, "100.64.0.4");
    assertEquals(List.of(a, c), claims.admit(List.of(a, b, c)));
    assertEquals(List.of(c, a), claims.admit(List.of(c, b, a)));
    assertEquals(1, collisions.sum());
    assertEquals(List.of(b, c), claims.admit(List.of(b, c)), "a left: b may have the key");
    assertEquals(List.of(b), claims.admit(List.of(a, b)), "now a is the second");
    assertEquals(2, collisions.sum());
  }

  @Test
  void fatalErrnosAreTheOnesThatLeaveTheDescriptorUnusable() {
    assertTrue(PacketErrors.fatal(Errno.EBADF.value()));
    assertTrue(PacketErrors.fatal(Errno.EFAULT.value()));
    for (Errno e : List.of(Errno.ENOBUFS, Errno.EINVAL, Errno.EACCES, Errno.EADDRNOTAVAIL)) {
      assertFalse(PacketErrors.fatal(e.value()), e.name());
    }
  }
}
