package dev.gretun.core.stun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gretun.core.stun.NatMapping.Behaviour;
import dev.gretun.core.stun.StunResult.Status;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class NatMappingTest {
  private static InetSocketAddress addr(String ip, int port) throws Exception {
    return new InetSocketAddress(InetAddress.getByName(ip), port);
  }

  private static StunResult mapped(String server, String ip, int port) throws Exception {
    return new StunResult(
        addr(server, 3478), Status.MAPPED, addr(ip, port), null, Duration.ZERO, null);
  }

  @Test
  void sameMappingEverywhereIsEndpointIndependent() throws Exception {
    NatMapping m =
        NatMapping.classify(
            7777,
            List.of(
                mapped("192.0.2.1", "203.0.113.5", 7777),
                mapped("198.51.100.1", "203.0.113.5", 7777)));
    assertEquals(new NatMapping(Behaviour.ENDPOINT_INDEPENDENT, true, 2), m);
  }

  @Test
  void theSameServerTwiceIsUnknownNotEndpointIndependent() throws Exception {
    NatMapping m =
        NatMapping.classify(
            7777,
            List.of(
                mapped("192.0.2.1", "203.0.113.5", 7777),
                mapped("192.0.2.1", "203.0.113.5", 7777)));
    assertEquals(Behaviour.UNKNOWN, m.behaviour());
  }

  @Test
  void differentMappingsAreEndpointDependent() throws Exception {
    NatMapping m =
        NatMapping.classify(
            7777,
            List.of(
                mapped("192.0.2.1", "203.0.113.5", 40001),
                mapped("198.51.100.1", "203.0.113.5", 40002)));
    assertEquals(new NatMapping(Behaviour.ENDPOINT_DEPENDENT, false, 2), m);
  }

  @Test
  void oneAnswerIsUnknownAndFailuresAreIgnored() throws Exception {
    StunResult timeout =
        new StunResult(addr("198.51.100.1", 3478), Status.TIMEOUT, null, "x", Duration.ZERO, null);
    NatMapping m =
        NatMapping.classify(7777, List.of(mapped("192.0.2.1", "203.0.113.5", 7777), timeout));
    assertEquals(Behaviour.UNKNOWN, m.behaviour());
    assertEquals(true, m.portPreserved());
    assertNull(NatMapping.classify(7777, List.of(timeout)).portPreserved());
  }
}
