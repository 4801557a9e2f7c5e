package dev.gretun.core.peer;

import java.util.List;

/**
 * The low TTL the opener uses until it hears from the peer (docs/NAT-TRAVERSAL.md §3.1): the first
 * of {@code ttls} for the first attempt, the next one after an attempt that heard nothing.
 */
final class OpenerTtl {
  private final List<Integer> ttls;
  private int index;
  private boolean proven;

  OpenerTtl(List<Integer> ttls) {
    this.ttls = ttls;
  }

  int current() {
    return ttls.get(index);
  }

  /** True when {@code ttl} (null = the default) may reach beyond the first TTL's router. */
  boolean mayReachFar(Integer ttl) {
    return ttl == null || ttl > ttls.getFirst();
  }

  /** The path came up with the current TTL. */
  void proven() {
    proven = true;
  }

  /**
   * An attempt heard nothing: maybe our NAT is further than the TTL reaches, so the next attempt
   * (after the stale entries of this one expired) tries the next TTL. A TTL that already worked for
   * this peer gets one more attempt first: a failure after a loss is more likely stale NAT state
   * than a new router, and a higher TTL that reaches the far NAT would poison it (measured in the
   * lab: TTL 3 leaves an entry on the far NAT).
   */
  void heardNothing() {
    if (proven) {
      proven = false;
    } else {
      index = (index + 1) % ttls.size();
    }
  }
}
