package dev.gretun.coord.metrics;

import dev.gretun.coord.relay.Mailboxes;
import dev.gretun.coord.stun.StunService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/** The coordinator's Prometheus registry and the meters the HTTP layer updates. */
public final class CoordMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger waitingPeers = new AtomicInteger();
  private final AtomicInteger waitingSignals = new AtomicInteger();

  public CoordMetrics(IntSupplier nodes, Mailboxes relay, StunService stun) {
    new JvmMemoryMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    Gauge.builder("gretun.coord.nodes", nodes::getAsInt)
        .description("registered nodes")
        .register(registry);
    Gauge.builder("gretun.coord.long.polls.waiting", waitingPeers::get)
        .tag("kind", "peers")
        .register(registry);
    Gauge.builder("gretun.coord.long.polls.waiting", waitingSignals::get)
        .tag("kind", "signal")
        .register(registry);
    Gauge.builder("gretun.coord.signals.queued", relay::queued).register(registry);
    FunctionCounter.builder("gretun.coord.signals.dropped", relay, Mailboxes::droppedOverflow)
        .tag("reason", "overflow")
        .register(registry);
    FunctionCounter.builder("gretun.coord.signals.dropped", relay, Mailboxes::droppedExpired)
        .tag("reason", "expired")
        .register(registry);
    FunctionCounter.builder("gretun.coord.signals.dropped", relay, Mailboxes::droppedSenderQuota)
        .tag("reason", "sender_quota")
        .register(registry);
    FunctionCounter.builder("gretun.coord.signals.refused", relay, Mailboxes::refusedFull)
        .tag("reason", "relay_full")
        .register(registry);
    Gauge.builder("gretun.coord.signals.queued.bytes", relay::queuedBytes)
        .description("accounted bytes of all queued envelopes")
        .register(registry);
    FunctionCounter.builder("gretun.coord.stun.requests", stun, StunService::answered)
        .tag("result", "answered")
        .register(registry);
    FunctionCounter.builder("gretun.coord.stun.requests", stun, StunService::dropped)
        .tag("result", "dropped")
        .register(registry);
  }

  /** Exports the number of signatures in the replay memory. */
  public void replayMemory(IntSupplier remembered) {
    Gauge.builder("gretun.coord.replay.memory.signatures", remembered::getAsInt)
        .description("signatures remembered against replay")
        .register(registry);
  }

  public void request(String route, int status) {
    Counter.builder("gretun.coord.requests")
        .tag("route", route)
        .tag("status", Integer.toString(status))
        .register(registry)
        .increment();
  }

  public void authFailure(String code) {
    Counter.builder("gretun.coord.auth.failures").tag("code", code).register(registry).increment();
  }

  public AtomicInteger waitingPeers() {
    return waitingPeers;
  }

  public AtomicInteger waitingSignals() {
    return waitingSignals;
  }

  /** The registry, for meters owned by other parts of the server (connection limits). */
  public MeterRegistry registry() {
    return registry;
  }

  /** Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }
}
