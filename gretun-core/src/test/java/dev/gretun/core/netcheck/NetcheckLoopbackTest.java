package dev.gretun.core.netcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gretun.core.netcheck.NatReport.Filtering;
import dev.gretun.core.netcheck.NatReport.Mapping;
import dev.gretun.core.stun.StunServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Netcheck against our RFC 5780 server over loopback (no NAT): the same mapping towards both ports,
 * the local port preserved, the other port's answer gets in, hairpin works.
 */
class NetcheckLoopbackTest {
  @Test
  void noNatLooksLikeAnOpenCone() throws Exception {
    InetAddress lo = InetAddress.getLoopbackAddress();
    try (StunServer server =
        StunServer.startWithAlternates(
            List.of(new InetSocketAddress(lo, freeEvenPort())), new StunServer.Options("", 0))) {
      NatReport r = Netcheck.run(server.localAddresses(), Duration.ofSeconds(2));
      assertEquals(true, r.udp());
      assertEquals(Mapping.ENDPOINT_INDEPENDENT, r.mapping());
      assertEquals(true, r.portPreserved());
      assertEquals(Filtering.NOT_PORT_DEPENDENT, r.filtering());
      assertEquals(true, r.hairpin());
      assertEquals(NatType.CONE, r.type());
    }
  }

  @Test
  void unansweredServersMeanNoUdp() throws Exception {
    InetAddress lo = InetAddress.getLoopbackAddress();
    int port = freeEvenPort(); // nothing listens there
    NatReport r =
        Netcheck.run(
            List.of(new InetSocketAddress(lo, port), new InetSocketAddress(lo, port + 1)),
            Duration.ofMillis(600));
    assertEquals(false, r.udp());
    assertEquals(NatType.UNKNOWN, r.type());
  }

  /** A free TCP port number as a hint for a free UDP pair (retried by the caller's bind). */
  private static int freeEvenPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort() & ~1;
    }
  }
}
