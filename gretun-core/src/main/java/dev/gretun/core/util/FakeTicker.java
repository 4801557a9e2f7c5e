package dev.gretun.core.util;

import java.time.Duration;

/**
 * A {@link Ticker} that moves only when advanced (tests, the connect rehearsal); not thread-safe.
 */
public final class FakeTicker implements Ticker {
  private long now;

  public FakeTicker() {
    this(1_000_000_000L);
  }

  public FakeTicker(long startNanos) {
    this.now = startNanos;
  }

  @Override
  public long nanos() {
    return now;
  }

  public void advance(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("time only moves forward: " + d);
    }
    now += d.toNanos();
  }

  public void advanceMillis(long millis) {
    advance(Duration.ofMillis(millis));
  }
}
