package dev.gretun.core.probe;

import java.time.Duration;

/**
 * How a probe runs: {@code count} echo requests, one every {@code interval}; a reply later than
 * {@code timeout} after its request counts as lost.
 */
public record ProbeSettings(int count, Duration interval, Duration timeout) {
  /** Sequence numbers are 16 bits; more requests would make replies ambiguous. */
  public static final int MAX_COUNT = 65535;

  public ProbeSettings {
    if (count < 1 || count > MAX_COUNT) {
      throw new IllegalArgumentException(
          "--count must be between 1 and " + MAX_COUNT + " (got " + count + "), e.g. --count 3");
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException(
          "--interval must be positive (got " + interval.toMillis() + "ms), e.g. --interval 1s");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(
          "--timeout must be positive (got " + timeout.toMillis() + "ms), e.g. --timeout 2s");
    }
  }
}
