package dev.gretun.core.dataplane.userspace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The birthday punch's extra sockets on loopback, real UDP: how many open, that the poller hands a
 * datagram over with the socket it came in on, sends from a chosen socket, and that keeping the
 * winner closes the others and closing the peer closes it too.
 */
class ExtraSocketsTest {
  private record Received(int socket, int fromPort, byte[] data) {}

  @Test
  void opensPollsKeepsTheWinnerAndCloses() throws Exception {
    var received = new LinkedBlockingQueue<Received>();
    ExtraSockets.Handler handler =
        (s, rx, i, off, len) ->
            received.add(
                new Received(
                    s.localPort,
                    rx.sourcePort(i),
                    rx.data().asSlice(off, len).toArray(ValueLayout.JAVA_BYTE)));
    try (var extras = new ExtraSockets(handler);
        var outside = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      int[] ports = extras.open("peer-a", 256);
      assertEquals(256, ports.length);
      assertEquals(256, Arrays.stream(ports).distinct().count());
      assertEquals(256, extras.openCount());
      assertEquals(1, extras.open("peer-b", 1).length);

      byte[] probe = "probe".getBytes(StandardCharsets.US_ASCII);
      outside.send(
          new DatagramPacket(probe, probe.length, new InetSocketAddress("127.0.0.1", ports[100])));
      Received r = received.poll(10, TimeUnit.SECONDS); // bounded wait for the poller thread
      assertNotNull(r, "the poller received nothing");
      assertEquals(ports[100], r.socket());
      assertEquals(outside.getLocalPort(), r.fromPort());
      assertArrayEquals(probe, r.data());

      byte[] pong = "pong".getBytes(StandardCharsets.US_ASCII);
      var to = new InetSocketAddress("127.0.0.1", outside.getLocalPort());
      extras.get(ports[100]).loopSender.send(pong, 0, pong.length, to, 0);
      var in = new DatagramPacket(new byte[64], 64);
      outside.setSoTimeout(10_000);
      outside.receive(in);
      assertEquals(ports[100], in.getPort(), "sent from the chosen socket");

      assertNull(extras.keepOnly("peer-b", ports[100]), "not peer-b's socket");
      ExtraSockets.ExtraSocket kept = extras.keepOnly("peer-a", ports[100]);
      assertSame(extras.get(ports[100]), kept);
      assertNotNull(kept.tunSender);
      assertEquals(2, extras.openCount(), "the winner and peer-b's socket");
      assertNull(extras.get(ports[5]));

      extras.closePeer("peer-a");
      assertEquals(1, extras.openCount());
      assertNull(extras.get(ports[100]));
      extras.closePeer("peer-b");
      assertEquals(0, extras.openCount());
    }
  }

  @Test
  void retiredSocketsAreReleasedAfterTheirGraceAndAnIdlePollerWaitsWithoutATimeout()
      throws Exception {
    try (var extras = new ExtraSockets((s, rx, i, off, len) -> {})) {
      int port = extras.open("peer-a", 1)[0];
      extras.closePeer("peer-a"); // retired: released after the 2 s grace, with nothing polled
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      boolean rebound = false;
      while (!rebound && System.nanoTime() < deadline) {
        try (var again = new DatagramSocket(port)) {
          rebound = true;
        } catch (SocketException stillBound) {
          Thread.sleep(100);
        }
      }
      assertTrue(rebound, "the retired socket's port was never released");
      while (extras.pollerState() != Thread.State.WAITING && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(Thread.State.WAITING, extras.pollerState(), "an idle poller wakes on its own");
    }
  }
}
