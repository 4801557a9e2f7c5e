package dev.gretun.core.dataplane;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** UdpPort on loopback: batched receive, native and heap sends, per-datagram TTL, wake-up. */
class UdpPortTest {
  private static final int LOOPBACK = 0x7f000001;

  @Test
  void sendsAndReceivesBatchesOnLoopback() {
    try (UdpPort a = UdpPort.bind(0, 200);
        UdpPort b = UdpPort.bind(0, 200);
        Arena arena = Arena.ofConfined()) {
      UdpPort.Sender tx = a.sender();
      UdpPort.Receiver rx = b.receiver(8, 2048);
      MemorySegment buf = arena.allocate(64);
      for (int i = 0; i < 5; i++) {
        buf.set(ValueLayout.JAVA_BYTE, 3, (byte) i);
        assertTrue(tx.send(buf, 3, 10, LOOPBACK, b.port()));
      }
      byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
      assertTrue(tx.send(hello, 0, 5, new InetSocketAddress("127.0.0.1", b.port()), 2));
      int got = 0;
      byte[] last = null;
      for (int round = 0; round < 10 && got < 6; round++) {
        int n = rx.receive();
        for (int i = 0; i < n; i++) {
          assertEquals(LOOPBACK, rx.sourceIp(i));
          assertEquals(a.port(), rx.sourcePort(i));
          assertFalse(rx.truncated(i));
          if (got < 5) {
            assertEquals(10, rx.length(i));
            assertEquals((byte) got, rx.data().get(ValueLayout.JAVA_BYTE, rx.offset(i)));
          } else {
            last = rx.data().asSlice(rx.offset(i), rx.length(i)).toArray(ValueLayout.JAVA_BYTE);
          }
          got++;
        }
      }
      assertEquals(6, got);
      assertArrayEquals(hello, last);
      tx.close();
      rx.close();
    }
  }

  @Test
  void receiveTimesOutWithZeroAndWakeStopsIt() throws Exception {
    try (UdpPort p = UdpPort.bind(0, 100)) {
      UdpPort.Receiver rx = p.receiver(4, 2048);
      assertEquals(0, rx.receive());
      CompletableFuture<Integer> blocked =
          CompletableFuture.supplyAsync(
              () -> {
                int r;
                do {
                  r = rx.receive();
                } while (r == 0);
                return r;
              });
      Thread.sleep(50);
      p.wake();
      assertEquals(-1, blocked.get(5, TimeUnit.SECONDS));
      rx.close();
    }
  }

  @Test
  void sockAddrRoundTrip() throws Exception {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment s = arena.allocate(SockAddrIn.SIZE);
      InetSocketAddress addr = new InetSocketAddress(InetAddress.getByName("203.0.113.7"), 65000);
      SockAddrIn.write(s, 0, addr);
      assertEquals(addr, SockAddrIn.read(s, 0));
      assertArrayEquals(
          new byte[] {
            2, 0, (byte) 0xfd, (byte) 0xe8, (byte) 203, 0, 113, 7, 0, 0, 0, 0, 0, 0, 0, 0
          },
          s.toArray(ValueLayout.JAVA_BYTE));
    }
  }
}
