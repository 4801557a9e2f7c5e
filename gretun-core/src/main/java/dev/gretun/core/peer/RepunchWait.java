package dev.gretun.core.peer;

import java.time.Duration;

/**
 * When a peer without a path may be punched again (docs/NAT-TRAVERSAL.md §3.1, §3.6): after a loss,
 * a silence long enough for stale NAT entries to expire; after the first failed attempt that
 * follows a loss, that silence plus {@link #CONNTRACK_EVICTION}; after other failed attempts, a
 * backoff doubling up to a maximum, during which a call from the peer may start a new attempt only
 * if our pings reached nobody.
 */
final class RepunchWait {
  /**
   * How long after expiring (30 s) Linux's conntrack garbage collector may take to evict an entry:
   * its scan interval grows up to 60 s ({@code GC_SCAN_INTERVAL_MAX} in
   * net/netfilter/nf_conntrack_core.c). Until eviction, nf_nat gives every new flow from the peer's
   * port the mapped port of any listed entry from that port, expired or not (find_appropriate_src
   * does not look at expiry). So once a peer's port was moved by a stale entry, each attempt renews
   * the moved port, and the attempts fail until one comes after the eviction (measured in the VM:
   * moved port 1945 kept for three attempts 35-45 s apart).
   */
  static final Duration CONNTRACK_EVICTION = Duration.ofSeconds(60);

  private final PeerTimings timings;
  private long repunchAt;
  private boolean silent;
  private boolean lossSilence;
  private boolean firstAttemptAfterLoss;
  private Duration backoff;

  RepunchWait(PeerTimings timings) {
    this.timings = timings;
    this.backoff = timings.repunchBackoffInitial();
  }

  /** The path was lost: silent for the stale-NAT wait counted from {@code silentSince}. */
  void afterLoss(long silentSince) {
    silent = true;
    lossSilence = true;
    firstAttemptAfterLoss = true;
    repunchAt = silentSince + timings.staleWait().toNanos();
  }

  /**
   * A punch attempt failed. Pings that may have reached the far NAT left entries there (and kept
   * our own stale flows alive), and a peer that punched may have left entries on ours: then ({@code
   * entriesLeft}) the next attempt waits for the backoff even if the peer calls or its endpoints
   * change. Otherwise (only low-TTL pings, the peer silent) nothing was left anywhere, so a
   * call_me_maybe may start the next attempt at once.
   */
  void afterFailedAttempt(long now, boolean entriesLeft) {
    silent = entriesLeft;
    if (firstAttemptAfterLoss) {
      // Stale entries outlived the silence (a peer's port moved): wait for their eviction too.
      firstAttemptAfterLoss = false;
      repunchAt = now + timings.staleWait().plus(CONNTRACK_EVICTION).toNanos();
      return;
    }
    repunchAt = now + backoff.toNanos();
    Duration doubled = backoff.multipliedBy(2);
    backoff =
        doubled.compareTo(timings.repunchBackoffMax()) <= 0 ? doubled : timings.repunchBackoffMax();
  }

  /**
   * The peer's first call_me_maybe after our loss says when it went silent (with its probe, or on
   * its own loss). It may have sent to us until then, and those packets left entries on our NAT
   * that live 30 s: a punch through our NAT before they die gets a random port. So our silence
   * lasts until the peer's has lasted long enough too. Measured in the lab: the relay delivered our
   * call_me_maybe 6.4 s late, the peer's probe then poisoned our NAT, and our re-punch 35 s after
   * our own last packet came 1.4 s too early. Only the first one counts: later ones are the peer's
   * punch, which starts after its own silence.
   *
   * @return true when this call restarted the silence (it must not start a punch)
   */
  boolean restartSilenceOnFirstCall(long now) {
    if (!lossSilence) {
      return false;
    }
    lossSilence = false;
    repunchAt = Math.max(repunchAt, now + timings.staleWait().toNanos());
    return true;
  }

  void punchStarted() {
    silent = false;
    lossSilence = false;
  }

  void pathUp() {
    firstAttemptAfterLoss = false;
    backoff = timings.repunchBackoffInitial();
  }

  /** True while nothing but the timer may start a punch. */
  boolean silent() {
    return silent;
  }

  boolean due(long now) {
    return now >= repunchAt;
  }
}
