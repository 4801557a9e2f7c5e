package dev.gretun.core.peer;

import java.time.Duration;
import java.util.List;

/**
 * The peer state machine's timers. {@link #defaults()} documents the chosen values; see
 * docs/DAEMON.md for why.
 *
 * @param pingInterval punch ping period (every candidate, each period)
 * @param punchTimeout give up punching (to no_path) this long after punching started
 * @param callMeMaybeRepeat while punching, call_me_maybe is sent again this often (relay loss)
 * @param openerTtls IP TTLs the low-TTL opener uses until it hears from the peer: the first for the
 *     first attempt, the next one after an attempt that heard nothing, cycling
 * @param nonOpenerHold the non-opener starts pinging when the opener's call_me_maybe (or any ping)
 *     arrives, or after this long without one
 * @param pingTimeout a ping's tx expires after this; a later pong is rejected
 * @param keepaliveMissAfter a keepalive unanswered this long counts as missed (its pong is still
 *     accepted until {@code pingTimeout}, and clears the count); the loss then needs {@code
 *     lossAfterMissed} such misses in a row
 * @param confirmTimeout after configuring a path, wait this long for data-path confirmation
 * @param keepaliveInterval ping period on the direct path (must stay below the 30 s conntrack
 *     timer)
 * @param lossAfterMissed this many unanswered keepalives in a row mean the path is lost
 * @param staleWait after a loss, stay silent this long so stale NAT entries expire (> 30 s)
 * @param repunchBackoffInitial first re-punch attempt after punching failed (> 30 s, so the failed
 *     attempt's unreplied conntrack entries are gone)
 * @param repunchBackoffMax re-punch backoff doubles up to this
 * @param callMeMaybeMinInterval the opener answers a call_me_maybe at most this often
 * @param quietProbeAfter while direct, data going out with nothing (pong or data) heard from the
 *     peer for this long makes the next data report send a keepalive at once (fast loss detection)
 * @param quietProbeInterval such probes are at least this far apart
 * @param dataProbeInterval while a configured path awaits confirmation, a data-path probe goes
 *     through it this often
 * @param dataConfirmInterval inbound data counts as a confirmation at most this often
 */
public record PeerTimings(
    Duration pingInterval,
    Duration punchTimeout,
    Duration callMeMaybeRepeat,
    List<Integer> openerTtls,
    Duration nonOpenerHold,
    Duration pingTimeout,
    Duration keepaliveMissAfter,
    Duration confirmTimeout,
    Duration keepaliveInterval,
    int lossAfterMissed,
    Duration staleWait,
    Duration repunchBackoffInitial,
    Duration repunchBackoffMax,
    Duration callMeMaybeMinInterval,
    Duration quietProbeAfter,
    Duration quietProbeInterval,
    Duration dataProbeInterval,
    Duration dataConfirmInterval) {

  public PeerTimings {
    openerTtls = List.copyOf(openerTtls);
    if (openerTtls.isEmpty() || openerTtls.stream().anyMatch(t -> t < 1 || t > 255)) {
      throw new IllegalArgumentException("opener TTLs must be 1..255: " + openerTtls);
    }
    if (lossAfterMissed < 1) {
      throw new IllegalArgumentException("lossAfterMissed must be >= 1");
    }
    if (keepaliveMissAfter.compareTo(pingTimeout) > 0) {
      throw new IllegalArgumentException("keepaliveMissAfter must not exceed pingTimeout");
    }
    if (pingInterval.isZero() || pingInterval.isNegative()) {
      throw new IllegalArgumentException("pingInterval must be positive");
    }
  }

  public static PeerTimings defaults() {
    return new PeerTimings(
        Duration.ofMillis(250),
        Duration.ofSeconds(10),
        Duration.ofSeconds(2),
        List.of(2, 3, 4),
        Duration.ofSeconds(5),
        Duration.ofSeconds(5),
        Duration.ofSeconds(2),
        Duration.ofSeconds(5),
        Duration.ofSeconds(20),
        3,
        Duration.ofSeconds(35),
        Duration.ofSeconds(35),
        Duration.ofMinutes(5),
        Duration.ofSeconds(1),
        Duration.ofSeconds(2),
        Duration.ofSeconds(2),
        Duration.ofMillis(500),
        Duration.ofSeconds(1));
  }

  /** The same timings with another low-TTL opener TTL sequence (e.g. {@code --opener-ttl 3}). */
  public PeerTimings withOpenerTtls(List<Integer> ttls) {
    return with(ttls, punchTimeout);
  }

  /** The same timings with another punch budget ({@code --punch-timeout}). */
  public PeerTimings withPunchTimeout(Duration timeout) {
    return with(openerTtls, timeout);
  }

  private PeerTimings with(List<Integer> ttls, Duration timeout) {
    return new PeerTimings(
        pingInterval,
        timeout,
        callMeMaybeRepeat,
        ttls,
        nonOpenerHold,
        pingTimeout,
        keepaliveMissAfter,
        confirmTimeout,
        keepaliveInterval,
        lossAfterMissed,
        staleWait,
        repunchBackoffInitial,
        repunchBackoffMax,
        callMeMaybeMinInterval,
        quietProbeAfter,
        quietProbeInterval,
        dataProbeInterval,
        dataConfirmInterval);
  }
}
