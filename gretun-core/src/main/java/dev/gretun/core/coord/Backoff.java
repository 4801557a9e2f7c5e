package dev.gretun.core.coord;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 * the n-th consecutive failure waits a random time in [base, min(max, base * 2^n)].
 */
public final class Backoff {
  private final Duration base;
  private final Duration max;
  private final RandomGenerator random;
  private int failures;

  public Backoff(Duration base, Duration max, RandomGenerator random) {
    if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
      throw new IllegalArgumentException("need 0 < base <= max");
    }
    this.base = base;
    this.max = max;
    this.random = random;
  }

  /** Delay before the next attempt after one more failure. */
  public synchronized Duration nextDelay() {
    long ceiling = base.toMillis() << Math.min(failures, 20);
    ceiling = Math.min(ceiling, max.toMillis());
    failures++;
    long lo = base.toMillis();
    return Duration.ofMillis(ceiling <= lo ? lo : random.nextLong(lo, ceiling + 1));
  }

  public synchronized void reset() {
    failures = 0;
  }

  public synchronized int failures() {
    return failures;
  }
}
