package dev.gretun.coord.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.coord.CoordConfig;
import dev.gretun.coord.CoordRejection;
import dev.gretun.coord.metrics.CoordMetrics;
import dev.gretun.coord.registry.Registry;
import dev.gretun.coord.relay.RateLimiter;
import dev.gretun.coord.relay.SignalRelay;
import dev.gretun.coord.store.CoordStore;
import dev.gretun.coord.store.NodeRecord;
import dev.gretun.coord.store.Registration;
import dev.gretun.coord.stun.StunAdvertise;
import dev.gretun.core.BuildInfo;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.coord.CoordWire.Ack;
import dev.gretun.core.coord.CoordWire.EndpointsRequest;
import dev.gretun.core.coord.CoordWire.Envelope;
import dev.gretun.core.coord.CoordWire.RegisterRequest;
import dev.gretun.core.coord.CoordWire.RegisterResponse;
import dev.gretun.core.coord.CoordWire.SignalRequest;
import dev.gretun.core.coord.CoordWire.SignalsResponse;
import dev.gretun.core.coord.RequestVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes and handlers of the coordinator HTTP API (docs/PROTOCOL.md, "Coordinator HTTP API").
 * Independent of Netty: takes an {@link ApiRequest}, completes a future with the reply. Blocking
 * work (store writes) runs on {@code worker}; long-polls wait on futures, holding no thread.
 */
public final class CoordApi {
  private static final Logger LOG = LoggerFactory.getLogger(CoordApi.class);
  private static final ObjectMapper JSON = CoordWire.mapper();

  private final CoordConfig config;
  private final CoordStore store;
  private final Registry registry;
  private final SignalRelay relay;
  private final RateLimiter signalRate;
  private final RequestVerifier verifier;
  private final CoordMetrics metrics;
  private final InstantSource clock;
  private final Executor worker;
  private final Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();
  private volatile boolean draining;

  public CoordApi(
      CoordConfig config,
      CoordStore store,
      Registry registry,
      SignalRelay relay,
      CoordMetrics metrics,
      InstantSource clock,
      Executor worker) {
    this.config = config;
    this.store = store;
    this.registry = registry;
    this.relay = relay;
    this.metrics = metrics;
    this.clock = clock;
    this.worker = worker;
    CoordConfig.Limits l = config.limits();
    this.signalRate = new RateLimiter(l.signalsPerSecond(), l.signalBurst(), clock);
    this.verifier = new RequestVerifier(clock, l.authWindow(), l.maxRememberedSignatures());
  }

  /** Metrics label of a path: one of the known routes or "other". */
  public static String route(String path) {
    return switch (path) {
      case "/v1/register" -> "register";
      case "/v1/endpoints" -> "endpoints";
      case "/v1/peers" -> "peers";
      case "/v1/signal" -> "signal";
      case "/healthz" -> "healthz";
      case "/metrics" -> "metrics";
      case "/debug/peers" -> "debug_peers";
      default -> "other";
    };
  }

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
    Throwable e =
        t instanceof java.util.concurrent.CompletionException && t.getCause() != null
            ? t.getCause()
            : t;
    if (e instanceof CoordRejection r) {
      return ApiResponse.of(r);
    }
    LOG.error("request_failed error=\"{}\"", e.toString(), e);
    return ApiResponse.error(500, "internal", "internal error");
  }

  private CompletableFuture<ApiResponse> dispatch(ApiRequest req) throws IOException {
    String m = req.method();
    switch (req.path()) {
      case "/healthz":
        return done(allow(m, "GET"), () -> ApiResponse.json(200, health()));
      case "/metrics":
        return done(
            allow(m, "GET"),
            () -> ApiResponse.text("text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
      case "/debug/peers":
        return done(allow(m, "GET"), () -> debugPeers(req));
      case "/v1/register":
        return done(allow(m, "POST"), () -> register(req));
      case "/v1/endpoints":
        return done(allow(m, "POST"), () -> endpoints(req));
      case "/v1/peers":
        return m.equals("GET") ? peers(req) : done(allow(m, "GET"), null);
      case "/v1/signal":
        return switch (m) {
          case "POST" -> done(null, () -> sendSignal(req));
          case "GET" -> pullSignals(req);
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

  // --- handlers ----------------------------------------------------------------------------

  private CoordWire.Health health() {
    return new CoordWire.Health("ok", registry.size(), BuildInfo.current().version());
  }

  private ApiResponse debugPeers(ApiRequest req) {
    boolean loopback = req.remote() != null && req.remote().getAddress().isLoopbackAddress();
    if (!loopback && !adminTokenMatches(req.header().apply("Authorization"))) {
      throw new CoordRejection(
          403,
          "forbidden",
          "/debug/peers needs a loopback client or 'Authorization: Bearer <admin token>'");
    }
    return ApiResponse.rawJson(registry.peersJson(-1), Map.of());
  }

  private boolean adminTokenMatches(String authorization) {
    String token = config.adminToken();
    if (token == null || authorization == null || !authorization.startsWith("Bearer ")) {
      return false;
    }
    return MessageDigest.isEqual(
        authorization.substring(7).getBytes(StandardCharsets.UTF_8),
        token.getBytes(StandardCharsets.UTF_8));
  }

  private ApiResponse register(ApiRequest req) {
    String nodeKey = authenticate(req);
    RegisterRequest body = parse(req.body(), RegisterRequest.class);
    String name = WireValidation.nodeName(body.nodeName());
    String disco = WireValidation.key("disco_key", body.discoKey());
    if (body.joinKey() != null && body.joinKey().length() > 128) {
      throw WireValidation.field("join_key is too long");
    }
    Registration r =
        new Registration(
            nodeKey,
            disco,
            name,
            body.joinKey(),
            config.requireJoinKeys(),
            config.pool(),
            clock.instant());
    CoordStore.RegisterOutcome outcome = store.register(r);
    registry.refresh();
    NodeRecord n = outcome.node();
    if (outcome.created()) {
      LOG.info(
          "node_registered node={} name={} tunnel_ip={} join_key={}",
          shortKey(nodeKey),
          name,
          n.tunnelIpText(),
          n.joinKeyId());
    }
    List<String> stun =
        StunAdvertise.resolve(
            config.stunListen(), config.stunAdvertise(), req.header().apply("Host"));
    return ApiResponse.json(
        200,
        new RegisterResponse(
            nodeKey,
            n.tunnelIpText(),
            config.pool().prefixLength(),
            config.pool().toString(),
            stun,
            registry.cursor(),
            outcome.created(),
            (int) config.longPoll().toSeconds()));
  }

  private ApiResponse endpoints(ApiRequest req) {
    NodeRecord self = registered(authenticate(req));
    EndpointsRequest body = parse(req.body(), EndpointsRequest.class);
    var eps = WireValidation.endpoints(body.endpoints(), config.limits().maxEndpoints());
    if (store.updateEndpoints(self.nodeKey(), eps, clock.instant()).isEmpty()) {
      throw unknownNode();
    }
    registry.refresh();
    return ApiResponse.json(200, new Ack(true, registry.cursor()));
  }

  private CompletableFuture<ApiResponse> peers(ApiRequest req) {
    String nodeKey;
    try {
      nodeKey = registered(authenticate(req)).nodeKey();
    } catch (CoordRejection r) {
      return CompletableFuture.completedFuture(ApiResponse.of(r));
    }
    long since = registry.cursorVersion(req.param("cursor"));
    if (since < 0 || since < registry.version() || draining) {
      return CompletableFuture.completedFuture(peersReply(since));
    }
    AtomicInteger count = pollSlot("peers:" + nodeKey);
    metrics.waitingPeers().incrementAndGet();
    return registry
        .awaitChange(since)
        .completeOnTimeout(null, config.longPoll().toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (ok, err) -> {
              count.decrementAndGet();
              metrics.waitingPeers().decrementAndGet();
              return peersReply(since);
            });
  }

  private ApiResponse peersReply(long since) {
    byte[] body = registry.peersJson(since);
    return ApiResponse.rawJson(body, Map.of());
  }

  private ApiResponse sendSignal(ApiRequest req) {
    NodeRecord self = registered(authenticate(req));
    SignalRequest body = parse(req.body(), SignalRequest.class);
    String to = WireValidation.key("to", body.to());
    byte[] sealed = WireValidation.sealed(body.sealed(), config.limits().maxSealedBytes());
    NodeRecord recipient =
        registry
            .byNodeOrDisco(to)
            .orElseThrow(
                () ->
                    new CoordRejection(
                        404, "unknown_recipient", "no registered node has this disco or node key"));
    if (!signalRate.tryAcquire(self.nodeKey())) {
      throw new CoordRejection(429, "rate_limited", "too many signals; slow down");
    }
    Instant now = clock.instant();
    relay.enqueue(
        recipient.nodeKey(),
        new Envelope(
            self.nodeKey(),
            self.discoKey(),
            Base64.getEncoder().encodeToString(sealed),
            now.toString()),
        now);
    return ApiResponse.json(200, new CoordWire.SignalAck(true));
  }

  private CompletableFuture<ApiResponse> pullSignals(ApiRequest req) {
    String nodeKey;
    try {
      nodeKey = registered(authenticate(req)).nodeKey();
    } catch (CoordRejection r) {
      return CompletableFuture.completedFuture(ApiResponse.of(r));
    }
    List<Envelope> now = relay.drain(nodeKey, clock.instant());
    if (!now.isEmpty() || draining) {
      return CompletableFuture.completedFuture(ApiResponse.json(200, new SignalsResponse(now)));
    }
    AtomicInteger count = pollSlot("signal:" + nodeKey);
    metrics.waitingSignals().incrementAndGet();
    return relay
        .awaitMail(nodeKey)
        .completeOnTimeout(null, config.longPoll().toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (ok, err) -> {
              count.decrementAndGet();
              metrics.waitingSignals().decrementAndGet();
              return ApiResponse.json(
                  200, new SignalsResponse(relay.drain(nodeKey, clock.instant())));
            });
  }

  // --- helpers -----------------------------------------------------------------------------

  private AtomicInteger pollSlot(String key) {
    AtomicInteger c = polls.computeIfAbsent(key, k -> new AtomicInteger());
    if (c.incrementAndGet() > config.limits().pollsPerNode()) {
      c.decrementAndGet();
      throw new CoordRejection(
          429,
          "too_many_polls",
          "at most "
              + config.limits().pollsPerNode()
              + " concurrent long-polls of this kind per node");
    }
    return c;
  }

  /** Verifies the signature; returns the caller's node key (base64). */
  private String authenticate(ApiRequest req) {
    RequestVerifier.Result r =
        verifier.verify(name -> req.header().apply(name), req.method(), req.target(), req.body());
    if (!r.ok()) {
      metrics.authFailure(r.failure().code);
      int status = r.failure() == RequestVerifier.Failure.BUSY ? 429 : 401;
      throw new CoordRejection(status, r.failure().code, r.failure().message);
    }
    return Base64.getEncoder().encodeToString(r.nodeKey());
  }

  private NodeRecord registered(String nodeKey) {
    return registry.node(nodeKey).orElseThrow(CoordApi::unknownNode);
  }

  private static CoordRejection unknownNode() {
    return new CoordRejection(
        401, "unknown_node", "this node key is not registered; register again");
  }

  private static <T> T parse(byte[] body, Class<T> type) {
    T value;
    try {
      value = JSON.readValue(body, type);
    } catch (IOException e) {
      throw new CoordRejection(400, "bad_json", "body is not a valid JSON object for this route");
    }
    if (value == null) {
      throw new CoordRejection(400, "bad_json", "body must be a JSON object");
    }
    return value;
  }

  private static String shortKey(String b64) {
    return b64.substring(0, Math.min(8, b64.length()));
  }

  /** Stop waiting in long-polls: answer every waiting one now and new ones at once. */
  public void drain() {
    draining = true;
    registry.wakeAll();
    relay.wakeAll();
  }

  public RequestVerifier verifier() {
    return verifier;
  }

  public RateLimiter signalRate() {
    return signalRate;
  }
}
