package dev.gretun.core.peer;

/**
 * The timers and facts of one punch attempt (docs/NAT-TRAVERSAL.md §3.1): ping rounds,
 * call_me_maybe repeats, the punch deadline, what was heard, and once a pong chose an endpoint, the
 * data-path probe cadence and confirmation deadline.
 */
final class PunchAttempt {
  private final PeerTimings timings;
  private long start;
  private long deadline;
  private long nextPingAt;
  private int cmmRound;
  private long confirmDeadline;
  private long nextDataProbeAt;

  /** Anything (a ping or a valid pong) came from the peer: the opener's NAT is open. */
  boolean heard;

  /** The non-opener may ping (the opener's NAT is open, or the hold ran out). */
  boolean go;

  /** Some ping may have reached the far NAT (normal TTL, or an opener TTL above the first). */
  boolean sentFar;

  /** The peer punched during this attempt: it started it, or its call_me_maybe came meanwhile. */
  boolean peerPunching;

  /**
   * Some call_me_maybe behind {@link #peerPunching} was sent less than a ping timeout before it
   * arrived: the peer's attempt was surely still running during ours.
   */
  boolean peerPunchingFresh;

  /** Our STUN mapping was on the coordinator and we had the peer's when this attempt began. */
  boolean mappingsKnownAtStart;

  /**
   * Ping only this endpoint (else every candidate): an attempt that answers a ping which arrived
   * during our stale-NAT wait (PeerMachine.onPing).
   */
  java.net.InetSocketAddress onlyTo;

  PunchAttempt(PeerTimings timings) {
    this.timings = timings;
  }

  void begin(long now, boolean peerIsPunching) {
    begin(now, peerIsPunching, timings.punchTimeout());
  }

  /** An attempt with its own budget (the birthday punch's is longer). */
  void begin(long now, boolean peerIsPunching, java.time.Duration timeout) {
    start = now;
    deadline = now + timeout.toNanos();
    cmmRound = 0;
    heard = false;
    sentFar = false;
    go = peerIsPunching;
    peerPunching = peerIsPunching;
    peerPunchingFresh = false;
    mappingsKnownAtStart = false;
    onlyTo = null;
  }

  long start() {
    return start;
  }

  boolean timedOut(long now) {
    return now >= deadline;
  }

  /** Why the attempt ended without a pong (the NoPath reason). */
  String timeoutReason(int candidates, boolean localSymmetric) {
    return "punch timed out after "
        + timings.punchTimeout().toMillis()
        + " ms, no pong from "
        + candidates
        + " candidate(s)"
        + (localSymmetric ? "; our NAT maps per destination (symmetric)" : "");
  }

  /** A pong chose an endpoint: probe the data path at once, and wait for its confirmation. */
  void chose(long now) {
    confirmDeadline = now + timings.confirmTimeout().toNanos();
    nextDataProbeAt = now;
  }

  boolean confirmTimedOut(long now) {
    return now >= confirmDeadline;
  }

  boolean dataProbeDue(long now) {
    if (now < nextDataProbeAt) {
      return false;
    }
    nextDataProbeAt = now + timings.dataProbeInterval().toNanos();
    return true;
  }

  /** True once per ping interval; the caller pings when it returns true. */
  boolean pingDue(long now) {
    if (now < nextPingAt) {
      return false;
    }
    pinged(now);
    return true;
  }

  void pinged(long now) {
    nextPingAt = now + timings.pingInterval().toNanos();
  }

  /** call_me_maybe is repeated once a round (relay messages can be lost). */
  boolean callMeMaybeDue(long now) {
    int round = (int) ((now - start) / timings.callMeMaybeRepeat().toNanos());
    if (round > cmmRound) {
      cmmRound = round;
      return true;
    }
    return false;
  }

  /**
   * For the non-opener: when the relay may not work — a whole attempt of ours ran out and no
   * call_me_maybe from the peer ever arrived — try anyway after the hold. Not on the first attempt:
   * the opener may simply start later than we do (it learns our endpoints later, or its daemon is
   * slow), and full-TTL pings that reach its NAT before its own low-TTL pings opened it poison it
   * (docs/NAT-TRAVERSAL.md §3.1; the VM tier's {@code 42} under load). Once the relay has shown it
   * works, never: wait for the opener, e.g. when its silence after a loss began later than ours
   * because the relay was slow.
   */
  void holdOver(long now, boolean relayMayNotWork) {
    if (!go && relayMayNotWork && now - start >= timings.nonOpenerHold().toNanos()) {
      go = true;
    }
  }
}
