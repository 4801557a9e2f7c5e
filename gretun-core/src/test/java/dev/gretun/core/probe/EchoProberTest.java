package dev.gretun.core.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.util.FakeTicker;
import dev.gretun.core.wire.icmp.IcmpEcho;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class EchoProberTest {
  private static final int ID = 4242;

  /** {@code msg} delivered {@code ms} after the request. */
  private record Answer(long ms, byte[] msg) {}

  /** A reply the fake delivers at {@code atNanos}. */
  private record Pending(long atNanos, byte[] icmp) {}

  /**
   * Answers each request as {@code answer(request, sequence)} says: a list of (delay ms, message)
   * pairs, so a test can drop, delay, duplicate or corrupt replies.
   */
  private static final class FakeTransport implements EchoTransport {
    final FakeTicker ticker = new FakeTicker();
    final List<Pending> queue = new ArrayList<>();
    final List<IcmpEcho> sent = new ArrayList<>();
    final BiFunction<IcmpEcho, Integer, List<Answer>> answer;

    FakeTransport(BiFunction<IcmpEcho, Integer, List<Answer>> answer) {
      this.answer = answer;
    }

    @Override
    public int id() {
      return ID;
    }

    @Override
    public String kind() {
      return "ping";
    }

    @Override
    public long send(byte[] icmp) {
      IcmpEcho req = IcmpEcho.decode(icmp, 0, icmp.length);
      sent.add(req);
      for (Answer a : answer.apply(req, req.sequence())) {
        queue.add(new Pending(ticker.nanos() + a.ms() * 1_000_000L, a.msg()));
      }
      queue.sort(Comparator.comparingLong(Pending::atNanos));
      return icmp.length;
    }

    @Override
    public int receive(byte[] into, Duration timeout) {
      long deadline = ticker.nanos() + timeout.toNanos();
      if (!queue.isEmpty() && queue.get(0).atNanos() <= deadline) {
        Pending p = queue.remove(0);
        ticker.advance(Duration.ofNanos(Math.max(0, p.atNanos() - ticker.nanos())));
        System.arraycopy(p.icmp(), 0, into, 0, p.icmp().length);
        return p.icmp().length;
      }
      ticker.advance(timeout);
      return -11;
    }

    @Override
    public void close() {}
  }

  private static byte[] reply(IcmpEcho req) {
    return new IcmpEcho(IcmpEcho.ECHO_REPLY, req.id(), req.sequence(), req.payload()).encode();
  }

  private static Answer after(long ms, byte[] msg) {
    return new Answer(ms, msg);
  }

  private static ProbeResult run(FakeTransport t, int count, long intervalMs, long timeoutMs)
      throws Exception {
    return new EchoProber(t, t.ticker, new Random(1))
        .run(
            "10.0.0.2",
            new ProbeSettings(count, Duration.ofMillis(intervalMs), Duration.ofMillis(timeoutMs)));
  }

  @Test
  void everyRequestAnswered() throws Exception {
    FakeTransport t = new FakeTransport((req, seq) -> List.of(after(5 + seq, reply(req))));
    ProbeResult r = run(t, 3, 1000, 2000);
    assertEquals(3, r.sent());
    assertEquals(3, r.received());
    assertEquals(0.0, r.lossPercent());
    assertEquals(5.0, r.rttMinMillis());
    assertEquals(6.0, r.rttAvgMillis());
    assertEquals(7.0, r.rttMaxMillis());
    assertEquals(List.of(0, 1, 2), t.sent.stream().map(IcmpEcho::sequence).toList());
    assertTrue(t.sent.stream().allMatch(e -> e.id() == ID && e.type() == IcmpEcho.ECHO_REQUEST));
    assertEquals("ping", r.socket());
    // Requests left one interval apart, and the probe ended once the last reply came.
    assertEquals(2007, (t.ticker.nanos() - 1_000_000_000L) / 1_000_000L);
  }

  @Test
  void noAnswerIsFullLossAfterTheTimeout() throws Exception {
    FakeTransport t = new FakeTransport((req, seq) -> List.<Answer>of());
    ProbeResult r = run(t, 2, 200, 1000);
    assertEquals(2, r.sent());
    assertEquals(0, r.received());
    assertEquals(100.0, r.lossPercent());
    assertNull(r.rttAvgMillis());
    assertFalse(r.reachable());
    assertEquals(1200, (t.ticker.nanos() - 1_000_000_000L) / 1_000_000L);
  }

  @Test
  void lateRepliesCountAsLost() throws Exception {
    FakeTransport t =
        new FakeTransport((req, seq) -> List.of(after(seq == 0 ? 1500 : 10, reply(req))));
    ProbeResult r = run(t, 2, 100, 1000);
    assertEquals(1, r.received());
    assertEquals(50.0, r.lossPercent());
    assertEquals(1, r.replies().get(0).sequence());
  }

  @Test
  void strangersAreIgnoredAndDuplicatesCounted() throws Exception {
    FakeTransport t =
        new FakeTransport(
            (req, seq) -> {
              byte[] wrongId =
                  new IcmpEcho(IcmpEcho.ECHO_REPLY, ID + 1, seq, req.payload()).encode();
              byte[] wrongCookie =
                  new IcmpEcho(IcmpEcho.ECHO_REPLY, ID, seq, new byte[16]).encode();
              byte[] unsentSeq =
                  new IcmpEcho(IcmpEcho.ECHO_REPLY, ID, seq + 7, req.payload()).encode();
              byte[] ourOwnRequest = req.encode();
              byte[] corrupt = reply(req);
              corrupt[corrupt.length - 1] ^= 0x55;
              byte[] garbage = {1, 2, 3};
              return List.of(
                  after(1, wrongId),
                  after(2, wrongCookie),
                  after(3, unsentSeq),
                  after(4, ourOwnRequest),
                  after(5, corrupt),
                  after(6, garbage),
                  after(9, reply(req)),
                  after(10, reply(req)));
            });
    // The duplicate of the first reply arrives while the probe waits to send the second request;
    // the probe ends at the second request's first reply.
    ProbeResult r = run(t, 2, 1000, 1000);
    assertEquals(2, r.received());
    assertEquals(9.0, r.rttMinMillis());
    assertEquals(9.0, r.rttMaxMillis());
    assertEquals(1, r.duplicates());
  }

  @Test
  void settingsRefuseNonsenseWithWhatToType() {
    IllegalArgumentException count =
        assertThrows(
            IllegalArgumentException.class,
            () -> new ProbeSettings(0, Duration.ofSeconds(1), Duration.ofSeconds(1)));
    assertTrue(count.getMessage().contains("--count 3"), count.getMessage());
    IllegalArgumentException interval =
        assertThrows(
            IllegalArgumentException.class,
            () -> new ProbeSettings(1, Duration.ZERO, Duration.ofSeconds(1)));
    assertTrue(interval.getMessage().contains("--interval 1s"), interval.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new ProbeSettings(65536, Duration.ofSeconds(1), Duration.ofSeconds(1)));
  }
}
