package dev.gretun.core.daemon;

import java.time.Duration;

/**
 * How soon the daemon's next tick runs, as {@link DaemonCore#tick()} asks (docs/DAEMON.md, "The
 * daemon"). Anything arriving (a packet, a coordinator answer) pulls the next tick to {@link
 * #FAST}.
 */
enum TickPace {
  /** A peer punching or awaiting endpoints, STUN in flight: pings are 250 ms apart. */
  FAST(Duration.ofMillis(50)),
  /**
   * Data moving on settled paths: what the tick then does (data confirmation at most every second,
   * a quiet probe after 2 s unanswered) is second-scale, so 4 reads of the counters a second do.
   */
  MOVING(Duration.ofMillis(250)),
  /** Nothing moving: the machines' timers (keepalive 20 s, ping expiry 5 s) are seconds away. */
  IDLE(Duration.ofSeconds(1));

  private final Duration period;

  TickPace(Duration period) {
    this.period = period;
  }

  Duration period() {
    return period;
  }
}
