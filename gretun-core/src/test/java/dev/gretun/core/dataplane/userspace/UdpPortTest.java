package dev.gretun.core.dataplane.userspace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.os.Errno;
import dev.gretun.core.os.ErrnoException;
import dev.gretun.core.os.SockAddrIn;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * UdpPort on loopback: batched receive, native and heap sends, per-datagram TTL, wake-up, errors.
 */
class UdpPortTest {
  private static final int LOOPBACK = 0x7f000001;

  @Test
  void sendsAndReceivesBatchesOnLoopback() throws Exception {
    try (UdpPort a = UdpPort.bind(0, 200);
        UdpPort b = UdpPort.bind(0, 200);
        Arena arena = Arena.ofConfined()) {
      UdpPort.Sender tx = a.sender();
      UdpPort.Batch nativeTx = a.batch(1);
      UdpPort.Receiver rx = b.receiver(8, 2048);
      MemorySegment buf = arena.allocate(64);
      for (int i = 0; i < 5; i++) {
        buf.set(ValueLayout.JAVA_BYTE, 3, (byte) i);
        nativeTx.add(buf, 3, 10, LOOPBACK, b.port(), 0);
        assertEquals(1, nativeTx.flush());
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
      nativeTx.close();
      rx.close();
    }
  }

  @Test
  void batchSendsPlainDatagramsAndGsoTrains() throws Exception {
    try (UdpPort a = UdpPort.bind(0, 200);
        UdpPort b = UdpPort.bind(0, 200);
        Arena arena = Arena.ofConfined()) {
      UdpPort.Batch batch = a.batch(4);
      MemorySegment buf = arena.allocate(1024);
      for (int i = 0; i < 1024; i++) {
        buf.set(ValueLayout.JAVA_BYTE, i, (byte) i);
      }
      batch.add(buf, 0, 30, LOOPBACK, b.port(), 0);
      batch.add(buf, 100, 250, LOOPBACK, b.port(), 100); // a train: 100 + 100 + 50
      assertEquals(2, batch.flush());
      assertTrue(batch.sent(0) && batch.sent(1));
      assertEquals(0, batch.size());
      UdpPort.Receiver rx = b.receiver(8, 2048, 10);
      int[] lengths = new int[4];
      int got = 0;
      for (int round = 0; round < 10 && got < 4; round++) {
        int n = rx.receive();
        for (int i = 0; i < n && got < 4; i++) {
          lengths[got] = rx.length(i);
          assertEquals(rx.length(i), rx.segmentSize(i), "no GRO asked for");
          got++;
        }
      }
      assertArrayEquals(new int[] {30, 100, 100, 50}, lengths);
      batch.close();
      rx.close();
    }
  }

  @Test
  void groHandsOverAWholeTrainWithItsSegmentSize() throws Exception {
    try (UdpPort a = UdpPort.bind(0, 200);
        UdpPort b = UdpPort.bind(0, 200);
        Arena arena = Arena.ofConfined()) {
      assertTrue(b.enableGro());
      UdpPort.Batch batch = a.batch(2);
      MemorySegment buf = arena.allocate(1024);
      for (int i = 0; i < 1024; i++) {
        buf.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 3));
      }
      batch.add(buf, 0, 250, LOOPBACK, b.port(), 100);
      assertEquals(1, batch.flush());
      UdpPort.Receiver rx = b.receiver(4, 65536, 10);
      int n = 0;
      for (int round = 0; round < 10 && n == 0; round++) {
        n = rx.receive();
      }
      assertEquals(1, n);
      assertEquals(250, rx.length(0));
      assertEquals(100, rx.segmentSize(0));
      assertArrayEquals(
          buf.asSlice(0, 250).toArray(ValueLayout.JAVA_BYTE),
          rx.data().asSlice(rx.offset(0), 250).toArray(ValueLayout.JAVA_BYTE));
      batch.close();
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
                try {
                  int r;
                  do {
                    r = rx.receive();
                  } while (r == 0);
                  return r;
                } catch (ErrnoException e) {
                  throw new CompletionException(e);
                }
              });
      Thread.sleep(50);
      p.wake();
      assertEquals(-1, blocked.get(5, TimeUnit.SECONDS));
      rx.close();
    }
  }

  @Test
  void withoutATimeoutOnlyWakeEndsABlockedReceive() throws Exception {
    try (UdpPort p = UdpPort.bind(0, 0)) { // the daemon's port P: no receive timeout
      UdpPort.Receiver rx = p.receiver(4, 2048);
      CompletableFuture<Integer> blocked =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return rx.receive();
                } catch (ErrnoException e) {
                  throw new CompletionException(e);
                }
              });
      assertThrows(
          TimeoutException.class,
          () -> blocked.get(300, TimeUnit.MILLISECONDS),
          "a receive with no timeout returned on its own");
      p.wake();
      assertEquals(-1, blocked.get(5, TimeUnit.SECONDS));
      rx.close();
    }
  }

  /**
   * A datagram lost for its own sake is dropped (false); a single send the socket refuses (here
   * EINVAL: UDP has no port 0) is an ErrnoException, which callers handling IOException see; a
   * batch drops that entry and sends the others.
   */
  @Test
  void aRefusedSendIsAnIoExceptionAndATransientOneADrop() throws Exception {
    try (UdpPort a = UdpPort.bind(0, 200);
        Arena arena = Arena.ofConfined()) {
      UdpPort.Sender tx = a.sender();
      byte[] data = {1, 2, 3};
      IOException e =
          assertThrows(
              IOException.class,
              () -> tx.send(data, 0, 3, new InetSocketAddress("127.0.0.1", 0), 0));
      ErrnoException errno = assertInstanceOf(ErrnoException.class, e);
      assertTrue(errno.is(Errno.EINVAL), e.getMessage());
      UdpPort.Batch batch = a.batch(2);
      MemorySegment buf = arena.allocate(16);
      batch.add(buf, 0, 16, LOOPBACK, 0, 0);
      batch.add(buf, 0, 16, LOOPBACK, a.port(), 0);
      assertEquals(1, batch.flush(), "a batch drops the refused entry and sends the rest");
      assertEquals(Errno.EINVAL.value(), batch.errno(0));
      assertTrue(batch.sent(1));
      assertEquals(0, batch.size());
      a.wake();
      assertFalse(tx.send(data, 0, 3, new InetSocketAddress("127.0.0.1", 0), 0), "after wake");
      tx.close();
      batch.close();
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
