package dev.gretun.core.peer;

import dev.gretun.core.wire.disco.DiscoTxId;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The disco pings a {@link PeerMachine} has in flight. A pong is accepted only if its tx is
 * outstanding, was sent to exactly the pong's source and is not older than the ping timeout; the tx
 * is then consumed, so a replay is rejected. A keepalive counts as missed earlier, after the
 * keepalive miss time, and once only.
 */
final class PingLedger {
  /** Upper bound on remembered ping transactions (punching 16 candidates for 5 s needs 320). */
  static final int MAX_OUTSTANDING = 512;

  private static final class Outstanding {
    final InetSocketAddress to;
    final long sentNanos;
    final boolean keepalive;
    boolean countedMissed;

    Outstanding(InetSocketAddress to, long sentNanos, boolean keepalive) {
      this.to = to;
      this.sentNanos = sentNanos;
      this.keepalive = keepalive;
    }
  }

  private final long timeoutNanos;
  private final long keepaliveMissNanos;
  private final Map<DiscoTxId, Outstanding> outstanding = new LinkedHashMap<>();
  private long lastPongAt;
  private Duration rtt;

  PingLedger(long timeoutNanos, long keepaliveMissNanos) {
    this.timeoutNanos = timeoutNanos;
    this.keepaliveMissNanos = keepaliveMissNanos;
  }

  void sent(DiscoTxId tx, InetSocketAddress to, boolean keepalive, long now) {
    if (outstanding.size() >= MAX_OUTSTANDING) {
      Iterator<DiscoTxId> oldest = outstanding.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    outstanding.put(tx, new Outstanding(to, now, keepalive));
  }

  /** Checks a pong: null when accepted (its RTT is recorded), else why it is rejected. */
  String pong(DiscoTxId tx, InetSocketAddress from, long now) {
    Outstanding o = outstanding.get(tx);
    if (o == null) {
      return "unknown tx";
    }
    if (!o.to.equals(from)) {
      // Keep the tx: the genuine pong from the right address may still come.
      return "tx was sent to " + o.to;
    }
    outstanding.remove(tx);
    if (now - o.sentNanos > timeoutNanos) {
      return "pong too late";
    }
    lastPongAt = now;
    rtt = Duration.ofNanos(now - o.sentNanos);
    return null;
  }

  /** RTT of the last accepted pong, or null. */
  Duration rtt() {
    return rtt;
  }

  /** Time since the last accepted pong, or null if none was ever accepted. */
  Duration sinceLastPong(long now) {
    return rtt == null ? null : Duration.ofNanos(now - lastPongAt);
  }

  /**
   * Forgets timed-out pings; returns how many keepalives to {@code keepaliveTo} (null: count none)
   * went unanswered past the keepalive miss time since the last call.
   */
  int expire(long now, InetSocketAddress keepaliveTo) {
    int missed = 0;
    for (var it = outstanding.values().iterator(); it.hasNext(); ) {
      Outstanding o = it.next();
      long age = now - o.sentNanos;
      if (o.keepalive && !o.countedMissed && age > keepaliveMissNanos && o.to.equals(keepaliveTo)) {
        o.countedMissed = true;
        missed++;
      }
      if (age > timeoutNanos) {
        it.remove();
      }
    }
    return missed;
  }
}
