package dev.gretun.core.stun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.stun.StunResult.Status;
import dev.gretun.core.wire.stun.Stun;
import dev.gretun.core.wire.stun.StunMessage;
import dev.gretun.core.wire.stun.TransactionId;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Our server and our client over real loopback sockets. */
class StunServerTest {
  private static final InetSocketAddress LOOPBACK_ANY_PORT =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  @Test
  void answersBindingWithTheSourceAddress() throws Exception {
    try (StunServer s1 = StunServer.start(LOOPBACK_ANY_PORT, StunServer.Options.defaults());
        StunServer s2 = StunServer.start(LOOPBACK_ANY_PORT, new StunServer.Options("", 0))) {
      StunProbe.Report report =
          StunProbe.run(
              LOOPBACK_ANY_PORT,
              List.of(s1.localAddress(), s2.localAddress()),
              Duration.ofSeconds(5),
              StunClient.Timing.defaults());
      for (StunResult r : report.results()) {
        assertEquals(Status.MAPPED, r.status(), r.toString());
        assertEquals(report.local(), r.mapped());
      }
      assertEquals("gretun", report.results().get(0).software());
      assertEquals(null, report.results().get(1).software());
      assertEquals(1, s1.requestsAnswered());
      assertEquals(report.local(), s1.lastAnswered());
      NatMapping m = NatMapping.classify(report.local().getPort(), report.results());
      assertEquals(NatMapping.Behaviour.ENDPOINT_INDEPENDENT, m.behaviour());
      assertEquals(true, m.portPreserved());
    }
  }

  @Test
  void dropsGarbageAndNonRequestsAndRateLimits() throws Exception {
    try (StunServer server = StunServer.start(LOOPBACK_ANY_PORT, new StunServer.Options("t", 3));
        DatagramSocket socket = new DatagramSocket(LOOPBACK_ANY_PORT)) {
      socket.setSoTimeout(300);
      InetSocketAddress to = server.localAddress();
      byte[] garbage = {1, 2, 3};
      socket.send(new DatagramPacket(garbage, garbage.length, to));
      byte[] response =
          StunMessage.bindingSuccess(TransactionId.fromHex("000102030405060708090a0b"), to, "x")
              .encode();
      socket.send(new DatagramPacket(response, response.length, to));
      int answered = 0;
      for (int i = 0; i < 5; i++) {
        byte[] req =
            StunMessage.bindingRequest(TransactionId.fromHex("0000000000000000000000" + i + "0"))
                .encode();
        socket.send(new DatagramPacket(req, req.length, to));
      }
      byte[] buf = new byte[512];
      while (true) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          socket.receive(p);
        } catch (SocketTimeoutException e) {
          break;
        }
        StunMessage m = StunMessage.parse(buf, 0, p.getLength());
        assertEquals(Stun.BINDING_SUCCESS, m.type());
        assertEquals(socket.getLocalSocketAddress(), m.mappedAddress().orElseThrow());
        assertTrue(m.hasFingerprint());
        answered++;
      }
      assertEquals(3, answered, "rate limit is 3 per second per source");
      assertEquals(3, server.requestsAnswered());
      assertEquals(4, server.requestsDropped());
    }
  }
}
