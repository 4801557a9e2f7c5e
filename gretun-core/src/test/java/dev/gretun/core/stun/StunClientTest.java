package dev.gretun.core.stun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.stun.StunResult.Status;
import dev.gretun.core.util.FakeTicker;
import dev.gretun.core.wire.stun.Stun;
import dev.gretun.core.wire.stun.StunAttribute;
import dev.gretun.core.wire.stun.StunMessage;
import dev.gretun.core.wire.stun.StunMessageTest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The transaction engine, driven by a fake clock and a recording sender (no sockets). */
class StunClientTest {
  private static final long START = 1_000_000_000L;
  private final FakeTicker ticker = new FakeTicker(START);
  private final List<Sent> sent = new ArrayList<>();
  private final StunClient client =
      new StunClient(
          (payload, to) -> sent.add(new Sent(payload.clone(), to, ticker.nanos())),
          new SplittableRandom(7),
          StunClient.Timing.defaults(),
          ticker);

  record Sent(byte[] payload, InetSocketAddress to, long at) {}

  private static InetSocketAddress addr(String ip, int port) throws Exception {
    return new InetSocketAddress(InetAddress.getByName(ip), port);
  }

  private void advanceTo(long ms) {
    ticker.advance(Duration.ofNanos(START + ms * 1_000_000L - ticker.nanos()));
    client.poll();
  }

  private static byte[] answer(Sent request, InetSocketAddress mapped) throws Exception {
    StunMessage req = StunMessage.parse(request.payload(), 0, request.payload().length);
    return StunMessage.bindingSuccess(req.transactionId(), mapped, "test").encode();
  }

  @Test
  void retransmitsOnTheRfcScheduleThenTimesOut() throws Exception {
    InetSocketAddress server = addr("192.0.2.1", 3478);
    CompletableFuture<StunResult> f = client.start(server, Long.MAX_VALUE);
    for (long ms = 0; ms <= 40_000; ms += 50) {
      advanceTo(ms);
    }
    List<Long> sendTimesMs = sent.stream().map(s -> (s.at() - 1_000_000_000L) / 1_000_000).toList();
    assertEquals(List.of(0L, 500L, 1500L, 3500L, 7500L, 15500L, 31500L), sendTimesMs);
    StunResult r = f.getNow(null);
    assertEquals(Status.TIMEOUT, r.status());
    assertEquals(0, client.pending());
    // Every retransmission is the same request (same transaction id).
    assertTrue(
        sent.stream().allMatch(s -> java.util.Arrays.equals(s.payload(), sent.get(0).payload())));
  }

  @Test
  void timesOutAt39500msExactly() throws Exception {
    CompletableFuture<StunResult> f = client.start(addr("192.0.2.1", 3478), Long.MAX_VALUE);
    advanceTo(39_499);
    assertFalse(f.isDone());
    assertEquals(39_500L * 1_000_000 + 1_000_000_000L, client.nextWakeupNanos());
    advanceTo(39_500);
    assertTrue(f.isDone());
  }

  @Test
  void callerDeadlineBoundsTheTransaction() throws Exception {
    CompletableFuture<StunResult> f =
        client.start(addr("192.0.2.1", 3478), ticker.nanos() + Duration.ofSeconds(2).toNanos());
    for (long ms = 0; ms < 2_000; ms += 50) {
      advanceTo(ms);
    }
    assertFalse(f.isDone());
    advanceTo(2_000);
    assertEquals(Status.TIMEOUT, f.getNow(null).status());
    assertEquals(3, sent.size());
  }

  @Test
  void parallelServersMatchedByTransactionAndSource() throws Exception {
    InetSocketAddress a = addr("192.0.2.1", 3478);
    InetSocketAddress b = addr("198.51.100.2", 3478);
    CompletableFuture<StunResult> fa = client.start(a, Long.MAX_VALUE);
    CompletableFuture<StunResult> fb = client.start(b, Long.MAX_VALUE);
    assertEquals(2, sent.size());
    InetSocketAddress mapped = addr("203.0.113.9", 40000);
    byte[] toA = answer(sent.get(0), mapped);

    // The right transaction id from the wrong source is not ours (flaw: upstream took it).
    assertFalse(client.offer(toA, 0, toA.length, b));
    assertFalse(fa.isDone());
    advanceTo(120);
    assertTrue(client.offer(toA, 0, toA.length, a));
    StunResult ra = fa.getNow(null);
    assertEquals(Status.MAPPED, ra.status());
    assertEquals(mapped, ra.mapped());
    assertEquals(Duration.ofMillis(120), ra.rtt());
    assertEquals("test", ra.software());
    // A duplicate is no longer ours.
    assertFalse(client.offer(toA, 0, toA.length, a));

    byte[] toB = answer(sent.get(1), addr("203.0.113.9", 40001));
    assertTrue(client.offer(toB, 0, toB.length, b));
    assertEquals(40001, fb.getNow(null).mapped().getPort());
    assertEquals(0, client.pending());
    assertEquals(Long.MAX_VALUE, client.nextWakeupNanos());
  }

  @Test
  void errorResponseAndNonStunTraffic() throws Exception {
    InetSocketAddress a = addr("192.0.2.1", 3478);
    CompletableFuture<StunResult> f = client.start(a, Long.MAX_VALUE);
    byte[] gre = StunMessageTest.hex("2000 0800 0000 0007 4500 0014 0000 0000 4001 0000");
    assertFalse(client.offer(gre, 0, gre.length, a));
    StunMessage req = StunMessage.parse(sent.get(0).payload(), 0, sent.get(0).payload().length);
    byte[] err =
        new StunMessage(
                Stun.BINDING_ERROR,
                req.transactionId(),
                List.of(new StunAttribute.ErrorCode(400, "Bad Request")))
            .encode();
    assertTrue(client.offer(err, 0, err.length, a));
    assertEquals(Status.ERROR_RESPONSE, f.getNow(null).status());
    assertEquals("STUN error 400 Bad Request", f.getNow(null).detail());
  }

  @Test
  void corruptResponseIsConsumedButKeepsWaiting() throws Exception {
    InetSocketAddress a = addr("192.0.2.1", 3478);
    CompletableFuture<StunResult> f = client.start(a, Long.MAX_VALUE);
    byte[] good = answer(sent.get(0), addr("203.0.113.9", 1));
    byte[] bad = good.clone();
    bad[bad.length - 1] ^= 1; // FINGERPRINT mismatch
    assertTrue(client.offer(bad, 0, bad.length, a));
    assertFalse(f.isDone());
    assertTrue(client.offer(good, 0, good.length, a));
    assertTrue(f.getNow(null).ok());
  }

  @Test
  void sendFailureEndsTheTransaction() throws Exception {
    StunClient failing =
        new StunClient(
            (p, to) -> {
              throw new IOException("Network is unreachable");
            },
            new SplittableRandom(1),
            StunClient.Timing.defaults(),
            ticker);
    StunResult r = failing.start(addr("192.0.2.1", 3478), Long.MAX_VALUE).getNow(null);
    assertEquals(Status.SEND_FAILED, r.status());
    assertEquals("Network is unreachable", r.detail());
    assertEquals(0, failing.pending());
  }
}
