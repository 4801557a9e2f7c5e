package dev.gretun.core.probe;

import dev.gretun.core.util.Ticker;
import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.icmp.IcmpEcho;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Sends echo requests and matches replies: a reply counts when it is an echo reply with our
 * identifier, a sequence number we sent and still wait for, and our payload (a random cookie, so a
 * raw socket does not take another ping's reply with a colliding identifier for ours). Anything
 * else is ignored. Time comes from a {@link Ticker}; the transport's receive timeout is the only
 * wait.
 */
public final class EchoProber {
  private static final int COOKIE_BYTES = 16;
  private static final int MAX_MESSAGE = 65536;

  private final EchoTransport transport;
  private final Ticker ticker;
  private final RandomGenerator random;

  public EchoProber(EchoTransport transport, Ticker ticker, RandomGenerator random) {
    this.transport = transport;
    this.ticker = ticker;
    this.random = random;
  }

  /** Runs the whole probe (count × interval, plus the last request's timeout at most). */
  public ProbeResult run(String host, ProbeSettings s) throws IOException {
    byte[] cookie = new byte[COOKIE_BYTES];
    random.nextBytes(cookie);
    long[] sentAt = new long[s.count()];
    double[] rtt = new double[s.count()];
    Arrays.fill(sentAt, -1);
    Arrays.fill(rtt, -1);
    int duplicates = 0;
    byte[] buf = new byte[MAX_MESSAGE];
    long interval = s.interval().toNanos();
    long timeout = s.timeout().toNanos();
    long start = ticker.nanos();
    int sent = 0;
    while (true) {
      long now = ticker.nanos();
      if (sent < s.count() && now - start >= sent * interval) {
        sentAt[sent] = now;
        transport.send(IcmpEcho.request(transport.id(), sent, cookie).encode());
        sent++;
        continue;
      }
      long nextSend = sent < s.count() ? start + sent * interval : Long.MAX_VALUE;
      long lastDeadline = sentAt[sent - 1] + timeout;
      if (sent == s.count() && (now >= lastDeadline || allAnswered(rtt))) {
        break;
      }
      long until = sent < s.count() ? nextSend : lastDeadline;
      int n = transport.receive(buf, Duration.ofNanos(Math.max(0, until - now)));
      if (n <= 0) {
        continue;
      }
      int seq = matching(buf, n, cookie, sent);
      if (seq < 0) {
        continue;
      }
      long at = ticker.nanos();
      if (rtt[seq] >= 0) {
        duplicates++;
      } else if (at - sentAt[seq] <= timeout) {
        rtt[seq] = (at - sentAt[seq]) / 1e6;
      }
    }
    return result(host, sent, rtt, duplicates);
  }

  /** The sequence number of a reply to one of our first {@code sent} requests, else -1. */
  private int matching(byte[] buf, int n, byte[] cookie, int sent) {
    IcmpEcho echo;
    try {
      echo = IcmpEcho.decode(buf, 0, n);
    } catch (WireFormatException e) {
      return -1;
    }
    if (echo.type() != IcmpEcho.ECHO_REPLY
        || echo.id() != transport.id()
        || echo.sequence() >= sent
        || !Arrays.equals(echo.payload(), cookie)) {
      return -1;
    }
    return echo.sequence();
  }

  private static boolean allAnswered(double[] rtt) {
    for (double r : rtt) {
      if (r < 0) {
        return false;
      }
    }
    return true;
  }

  private ProbeResult result(String host, int sent, double[] rtt, int duplicates) {
    List<ProbeResult.Reply> replies = new ArrayList<>();
    double min = Double.MAX_VALUE;
    double max = 0;
    double sum = 0;
    for (int i = 0; i < sent; i++) {
      if (rtt[i] >= 0) {
        replies.add(new ProbeResult.Reply(i, round(rtt[i])));
        min = Math.min(min, rtt[i]);
        max = Math.max(max, rtt[i]);
        sum += rtt[i];
      }
    }
    int received = replies.size();
    double loss = round(100.0 * (sent - received) / sent);
    boolean any = received > 0;
    return new ProbeResult(
        host,
        transport.kind(),
        transport.id(),
        sent,
        received,
        loss,
        duplicates,
        any ? round(min) : null,
        any ? round(sum / received) : null,
        any ? round(max) : null,
        replies);
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
