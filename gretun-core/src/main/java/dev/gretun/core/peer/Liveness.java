package dev.gretun.core.peer;

/**
 * Whether a direct path still works (docs/NAT-TRAVERSAL.md §3.6): keepalive cadence, unanswered
 * keepalives, fast probes when data goes out unanswered, and the probe after the peer's
 * call_me_maybe.
 */
final class Liveness {
  /** How a loss is handled: silence counted from {@code silentSince}; tell the peer or not. */
  record Loss(String reason, long silentSince, boolean tellPeer) {}

  private final PeerTimings timings;
  private long nextKeepaliveAt;
  private int missed;
  private boolean suspect;
  private long suspectSince;
  private long lastHeardAt;
  private long lastQuietProbeAt = Long.MIN_VALUE / 2;
  private long lastDataConfirmAt = Long.MIN_VALUE / 2;
  private boolean watchingInbound;

  Liveness(PeerTimings timings) {
    this.timings = timings;
  }

  /** The path just came up (or a punch started): nothing missed, nothing suspected. */
  void reset(long now) {
    nextKeepaliveAt = now + timings.keepaliveInterval().toNanos();
    missed = 0;
    suspect = false;
    lastHeardAt = now;
    watchingInbound = false;
  }

  /** Data from the peer arrived: if it stops with nothing else heard, probe (see below). */
  void dataArrived() {
    watchingInbound = true;
  }

  /** A keepalive was answered: the path works, whatever the data does. */
  void pongArrived() {
    watchingInbound = false;
  }

  /**
   * Data from the peer stopped and nothing (pong or data) came for a while: probe, as {@link
   * #quietProbeDue} does for data going out. The side that only answers (it sends nothing while
   * nothing arrives) finds a dead path this way as fast as the sending side; without it, it learnt
   * of the loss from its 20 s keepalive or the peer's late call_me_maybe. An answered probe ends
   * the watch until data arrives again, so a peer that simply stopped sending costs one ping.
   */
  boolean inboundStopProbeDue(long now) {
    return watchingInbound && quietProbeDue(now);
  }

  /** A pong or data from the peer; returns true when it cleared a suspicion. */
  boolean heard(long now) {
    lastHeardAt = now;
    missed = 0;
    boolean was = suspect;
    suspect = false;
    return was;
  }

  /** The peer called while the path was up: returns true when that starts a suspicion now. */
  boolean suspect(long now) {
    if (suspect) {
      return false;
    }
    suspect = true;
    suspectSince = now;
    return true;
  }

  void clearSuspicion() {
    suspect = false;
  }

  void keepaliveSent(long now) {
    nextKeepaliveAt = now + timings.keepaliveInterval().toNanos();
  }

  void missed(int keepalives) {
    missed += keepalives;
  }

  boolean keepaliveDue(long now) {
    return now >= nextKeepaliveAt;
  }

  /**
   * Data goes out but nothing came back for a while: probe now instead of waiting for the next
   * keepalive, so a dead path (e.g. a NAT that lost its state) is found in seconds and the
   * stale-entry silence starts early. One-way traffic over a live path only costs a ping answered
   * by a pong, never a loss.
   */
  boolean quietProbeDue(long now) {
    if (now - lastHeardAt >= timings.quietProbeAfter().toNanos()
        && now - lastQuietProbeAt >= timings.quietProbeInterval().toNanos()) {
      lastQuietProbeAt = now;
      return true;
    }
    return false;
  }

  /**
   * Inbound data counts as a data-path confirmation at most once per {@code dataConfirmInterval}
   * (the data plane reports it every tick while traffic flows).
   */
  boolean dataConfirmationDue(long now) {
    if (now - lastDataConfirmAt < timings.dataConfirmInterval().toNanos()) {
      return false;
    }
    lastDataConfirmAt = now;
    return true;
  }

  /** The loss the timers found, or null. */
  Loss loss(long now) {
    if (suspect && missed > 0) {
      // The call_me_maybe that tells the peer went out with the probe.
      return new Loss("probe after the peer's call_me_maybe unanswered", suspectSince, false);
    }
    if (missed >= timings.lossAfterMissed()) {
      return new Loss(missed + " keepalives unanswered", now, true);
    }
    return null;
  }
}
