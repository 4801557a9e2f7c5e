package dev.gretun.core.util;

/**
 * A monotonic clock in nanoseconds. The daemon's state machines read time only through this, so
 * tests (and the AOT training's {@code ConnectRehearsal}) drive them with {@code FakeTicker}.
 */
@FunctionalInterface
public interface Ticker {
  /** Monotonic nanoseconds; only differences are meaningful. */
  long nanos();

  /** The JVM's monotonic clock ({@link System#nanoTime()}). */
  static Ticker system() {
    return System::nanoTime;
  }
}
