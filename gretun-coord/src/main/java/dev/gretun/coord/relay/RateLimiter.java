package dev.gretun.coord.relay;

import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;

/** Token bucket per key (sender node key): {@code burst} tokens, refilled at {@code perSecond}. */
public final class RateLimiter {
  private static final class Bucket {
    double tokens;
    long lastNanos;
  }

  private final double perSecond;
  private final double burst;
  private final InstantSource clock;
  private final Map<String, Bucket> buckets = new HashMap<>();

  public RateLimiter(double perSecond, int burst, InstantSource clock) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.clock = clock;
  }

  /** Takes one token for {@code key}; false when the bucket is empty. */
  public synchronized boolean tryAcquire(String key) {
    long now = nanos();
    Bucket b = buckets.get(key);
    if (b == null) {
      if (buckets.size() > 100_000) {
        prune(now);
      }
      b = new Bucket();
      b.tokens = burst;
      b.lastNanos = now;
      buckets.put(key, b);
    }
    b.tokens = Math.min(burst, b.tokens + (now - b.lastNanos) / 1e9 * perSecond);
    b.lastNanos = now;
    if (b.tokens < 1) {
      return false;
    }
    b.tokens -= 1;
    return true;
  }

  /** Forgets buckets that are full again (idle long enough). */
  public synchronized void prune(long nowNanos) {
    buckets.values().removeIf(b -> b.tokens + (nowNanos - b.lastNanos) / 1e9 * perSecond >= burst);
  }

  public synchronized void prune() {
    prune(nanos());
  }

  private long nanos() {
    var i = clock.instant();
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }
}
