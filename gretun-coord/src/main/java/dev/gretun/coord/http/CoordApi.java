package dev.gretun.coord.http;

import dev.gretun.coord.CoordConfig;
import dev.gretun.coord.CoordRejection;
import dev.gretun.coord.metrics.CoordMetrics;
import dev.gretun.coord.registry.Registry;
import dev.gretun.coord.relay.Mailboxes;
import dev.gretun.coord.relay.RateLimiter;
import dev.gretun.coord.store.CoordStore;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes of the coordinator HTTP API (docs/PROTOCOL.md, "Coordinator HTTP API") to their handlers
 * ({@link OpsRoutes}, {@link NodeRoutes}, {@link SignalRoutes}); {@code /metrics} is on its own
 * listener ({@link MetricsRoutes}). Independent of Netty: takes an {@link ApiRequest}, completes a
 * future with the reply. Blocking work (store writes) runs on {@code worker}; long-polls wait on
 * futures, holding no thread.
 */
public final class CoordApi implements HttpRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(CoordApi.class);

  private final Registry registry;
  private final Mailboxes relay;
  private final RateLimiter signalRate;
  private final LongPolls polls;
  private final OpsRoutes ops;
  private final NodeRoutes nodes;
  private final SignalRoutes signals;
  private final Executor worker;

  public CoordApi(
      CoordConfig config,
      CoordStore store,
      Registry registry,
      Mailboxes relay,
      CoordMetrics metrics,
      InstantSource clock,
      Executor worker) {
    this.registry = registry;
    this.relay = relay;
    this.worker = worker;
    CoordConfig.Limits l = config.limits();
    this.signalRate = new RateLimiter(l.signalsPerSecond(), l.signalBurst(), clock);
    this.polls = new LongPolls(l.pollsPerNode(), config.longPoll());
    CallerAuth auth = new CallerAuth(l, store, registry, metrics, clock);
    this.ops = new OpsRoutes(registry, config.adminToken());
    this.nodes = new NodeRoutes(config, store, registry, auth, polls, metrics, clock);
    this.signals =
        new SignalRoutes(
            registry, relay, signalRate, l.maxSealedBytes(), auth, polls, metrics, clock);
  }

  @Override
  public String label(String path) {
    return switch (path) {
      case "/v1/register" -> "register";
      case "/v1/endpoints" -> "endpoints";
      case "/v1/peers" -> "peers";
      case "/v1/signal" -> "signal";
      case "/healthz" -> "healthz";
      case "/debug/peers" -> "debug_peers";
      default -> "other";
    };
  }

  @Override
  public CompletableFuture<ApiResponse> handle(ApiRequest req) {
    CompletableFuture<ApiResponse> out = new CompletableFuture<>();
    worker.execute(
        () -> {
          try {
            dispatch(req)
                .whenComplete(
                    (resp, err) -> {
                      if (err == null) {
                        out.complete(resp);
                      } else {
                        out.complete(failure(err));
                      }
                    });
          } catch (Throwable t) {
            out.complete(failure(t));
          }
        });
    return out;
  }

  private ApiResponse failure(Throwable t) {
    Throwable e = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (e instanceof CoordRejection r) {
      return ApiResponse.of(r);
    }
    LOG.error("request_failed error={}", e.toString(), e);
    return ApiResponse.error(500, "internal", "internal error");
  }

  private CompletableFuture<ApiResponse> dispatch(ApiRequest req) {
    String m = req.method();
    switch (req.path()) {
      case "/healthz":
        return done(allow(m, "GET"), ops::health);
      case "/debug/peers":
        return done(allow(m, "GET"), () -> ops.debugPeers(req));
      case "/v1/register":
        return done(allow(m, "POST"), () -> nodes.register(req));
      case "/v1/endpoints":
        return done(allow(m, "POST"), () -> nodes.endpoints(req));
      case "/v1/peers":
        return m.equals("GET") ? nodes.peers(req) : done(allow(m, "GET"), null);
      case "/v1/signal":
        return switch (m) {
          case "POST" -> done(null, () -> signals.send(req));
          case "GET" -> signals.pull(req);
          default -> done(allow(m, "GET", "POST"), null);
        };
      default:
        return CompletableFuture.completedFuture(
            ApiResponse.error(404, "not_found", "no such route: " + req.path()));
    }
  }

  /** Null when {@code method} is allowed, else the 405 reply. */
  private static ApiResponse allow(String method, String... allowed) {
    if (List.of(allowed).contains(method)) {
      return null;
    }
    String list = String.join(", ", allowed);
    return ApiResponse.error(405, "method_not_allowed", method + " not allowed; use " + list)
        .withHeader("Allow", list);
  }

  private static CompletableFuture<ApiResponse> done(
      ApiResponse refusal, Supplier<ApiResponse> handler) {
    return CompletableFuture.completedFuture(refusal != null ? refusal : handler.get());
  }

  /** Stop waiting in long-polls: answer every waiting one now and new ones at once. */
  public void drain() {
    polls.drain();
    registry.wakeAll();
    relay.wakeAll();
  }

  public RateLimiter signalRate() {
    return signalRate;
  }
}
