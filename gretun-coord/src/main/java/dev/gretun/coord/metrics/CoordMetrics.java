package dev.gretun.coord.metrics;

import dev.gretun.coord.relay.Mailboxes;
import dev.gretun.coord.stun.StunService;
import dev.gretun.core.BuildInfo;
import dev.gretun.core.coord.RequestVerifier;
import dev.gretun.core.metrics.StandardMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * The coordinator's Prometheus registry and the meters the HTTP layer updates. Every family has
 * HELP text, and the label sets known in advance (routes, auth failure codes, drop reasons) exist
 * at zero from the start, so that {@code rate()} and alerts see them before the first event.
 */
public final class CoordMetrics {
  /** Route labels of both listeners (CoordApi.label, MetricsRoutes.label): a bounded set. */
  public static final List<String> ROUTES =
      List.of(
          "register", "endpoints", "peers", "signal", "healthz", "debug_peers", "metrics", "other");

  private static final String REQUESTS = "gretun.coord.requests";
  private static final String REQUESTS_HELP = "HTTP requests answered, by route and status";
  private static final String DURATION = "gretun.coord.request.duration";
  private static final String DURATION_HELP =
      "Time from a parsed request to its response, by route (long polls included)";
  private static final String AUTH_FAILURES = "gretun.coord.auth.failures";
  private static final String AUTH_FAILURES_HELP = "Signed requests refused, by error code";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  // Meters by tag values: building and registering a meter per request costs more than the
  // request's
  // own work on the long-poll fan-out path (docs/BENCH.md, issue 14's same-run comparison).
  private final Map<String, Counter> requestCounters = new ConcurrentHashMap<>();
  private final Map<String, Timer> durations = new ConcurrentHashMap<>();
  private final AtomicInteger waitingPeers = new AtomicInteger();
  private final AtomicInteger waitingSignals = new AtomicInteger();

  public CoordMetrics(IntSupplier nodes, Mailboxes relay, StunService stun) {
    StandardMetrics.register(registry, "gretun_coord", BuildInfo.current());
    new JvmMemoryMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    Gauge.builder("gretun.coord.nodes", nodes::getAsInt)
        .description("registered nodes")
        .register(registry);
    for (String kind : List.of("peers", "signal")) {
      Gauge.builder(
              "gretun.coord.long.polls.waiting",
              kind.equals("peers") ? waitingPeers : waitingSignals,
              AtomicInteger::get)
          .description("long polls waiting for news, by kind")
          .tag("kind", kind)
          .register(registry);
    }
    Gauge.builder("gretun.coord.signals.queued", relay::queued)
        .description("sealed signalling envelopes queued for delivery")
        .register(registry);
    signalsDropped(relay, "overflow", Mailboxes::droppedOverflow);
    signalsDropped(relay, "expired", Mailboxes::droppedExpired);
    signalsDropped(relay, "sender_quota", Mailboxes::droppedSenderQuota);
    FunctionCounter.builder("gretun.coord.signals.refused", relay, Mailboxes::refusedFull)
        .description("signalling envelopes refused at submission")
        .tag("reason", "relay_full")
        .register(registry);
    Gauge.builder("gretun.coord.signals.queued.bytes", relay::queuedBytes)
        .description("accounted bytes of all queued envelopes")
        .register(registry);
    for (String result : List.of("answered", "dropped")) {
      FunctionCounter.builder(
              "gretun.coord.stun.requests",
              stun,
              result.equals("answered") ? StunService::answered : StunService::dropped)
          .description("STUN binding requests, answered or dropped as malformed")
          .tag("result", result)
          .register(registry);
    }
    for (String route : ROUTES) {
      requests(route, 200);
      duration(route);
    }
    for (RequestVerifier.Failure f : RequestVerifier.Failure.values()) {
      authFailures(f.code);
    }
    authFailures("unknown_node");
  }

  private void signalsDropped(
      Mailboxes relay, String reason, java.util.function.ToDoubleFunction<Mailboxes> count) {
    FunctionCounter.builder("gretun.coord.signals.dropped", relay, count)
        .description("queued signalling envelopes dropped before delivery, by reason")
        .tag("reason", reason)
        .register(registry);
  }

  /** Exports the number of signatures in the replay memory. */
  public void replayMemory(IntSupplier remembered) {
    Gauge.builder("gretun.coord.replay.memory.signatures", remembered::getAsInt)
        .description("signatures remembered against replay")
        .register(registry);
  }

  /** Counts a request answered before it reached a route (parse errors, limits). */
  public void request(String route, int status) {
    requests(route, status).increment();
  }

  /** Counts a routed request and records how long it took. */
  public void request(String route, int status, Duration took) {
    requests(route, status).increment();
    duration(route).record(took);
  }

  public void authFailure(String code) {
    authFailures(code).increment();
  }

  private Counter requests(String route, int status) {
    return requestCounters.computeIfAbsent(
        route + ' ' + status, k -> newRequestCounter(route, status));
  }

  private Counter newRequestCounter(String route, int status) {
    return Counter.builder(REQUESTS)
        .description(REQUESTS_HELP)
        .tag("route", route)
        .tag("status", Integer.toString(status))
        .register(registry);
  }

  private Timer duration(String route) {
    return durations.computeIfAbsent(route, this::newDuration);
  }

  private Timer newDuration(String route) {
    return Timer.builder(DURATION)
        .description(DURATION_HELP)
        .tag("route", route)
        .serviceLevelObjectives(
            Duration.ofMillis(1),
            Duration.ofMillis(5),
            Duration.ofMillis(25),
            Duration.ofMillis(100),
            Duration.ofMillis(250),
            Duration.ofSeconds(1),
            Duration.ofSeconds(5),
            Duration.ofSeconds(15),
            Duration.ofSeconds(30),
            Duration.ofSeconds(60))
        .register(registry);
  }

  private Counter authFailures(String code) {
    return Counter.builder(AUTH_FAILURES)
        .description(AUTH_FAILURES_HELP)
        .tag("code", code)
        .register(registry);
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
