package dev.gretun.coord.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** Connection meters: open connections, refusals at accept, and closes forced by a limit. */
final class ConnectionMetrics {
  /** Why a connection was refused at accept. */
  enum Refusal {
    PER_IP("per_ip"),
    TOTAL("total");

    final String label;

    Refusal(String label) {
      this.label = label;
    }
  }

  /** Which limit closed a connection. */
  enum Close {
    REQUEST_TIMEOUT("request_timeout"),
    WRITE_TIMEOUT("write_timeout"),
    PIPELINE_OVERFLOW("pipeline_overflow");

    final String label;

    Close(String label) {
      this.label = label;
    }
  }

  private final MeterRegistry registry;
  private final Counter[] refused = new Counter[Refusal.values().length];
  private final Counter[] closed = new Counter[Close.values().length];

  ConnectionMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (Refusal r : Refusal.values()) {
      refused[r.ordinal()] =
          Counter.builder("gretun.coord.connections.refused")
              .description("connections refused at accept by a connection cap")
              .tag("reason", r.label)
              .register(registry);
    }
    for (Close c : Close.values()) {
      closed[c.ordinal()] =
          Counter.builder("gretun.coord.connections.closed")
              .description("connections closed by a per-connection limit")
              .tag("reason", c.label)
              .register(registry);
    }
  }

  /** Exports the open connections of {@code caps} as a gauge tagged with the listener. */
  void gaugeOpen(String listener, ConnectionCaps caps) {
    Gauge.builder("gretun.coord.connections.open", caps, ConnectionCaps::open)
        .description("open HTTP connections")
        .tag("listener", listener)
        .register(registry);
  }

  void refused(Refusal r) {
    refused[r.ordinal()].increment();
  }

  void closed(Close c) {
    closed[c.ordinal()].increment();
  }
}
