package dev.gretun.coord.datarelay;

/** A token bucket on monotonic nanoseconds: {@code rate} tokens a second, at most one second's. */
final class TokenBucket {
  private final double rate;
  private double tokens;
  private long last;

  TokenBucket(long rate, long nowNanos) {
    this.rate = rate;
    this.tokens = rate;
    this.last = nowNanos;
  }

  /** Takes {@code n} tokens if there are that many; false (and takes none) otherwise. */
  boolean take(long n, long nowNanos) {
    tokens = Math.min(rate, tokens + (nowNanos - last) / 1e9 * rate);
    last = nowNanos;
    if (tokens < n) {
      return false;
    }
    tokens -= n;
    return true;
  }
}
