package dev.gretun.coord.http;

import dev.gretun.coord.CoordConfig;
import dev.gretun.coord.metrics.CoordMetrics;
import dev.gretun.coord.registry.Registry;
import dev.gretun.coord.store.CoordStore;
import dev.gretun.coord.store.NodeRecord;
import dev.gretun.coord.store.Registration;
import dev.gretun.coord.stun.StunAdvertise;
import dev.gretun.core.coord.CoordWire.Ack;
import dev.gretun.core.coord.CoordWire.EndpointsRequest;
import dev.gretun.core.coord.CoordWire.RegisterRequest;
import dev.gretun.core.coord.CoordWire.RegisterResponse;
import dev.gretun.core.coord.RequestVerifier;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership routes: {@code /v1/register}, {@code /v1/endpoints} and the {@code /v1/peers} poll.
 */
final class NodeRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRoutes.class);

  private final CoordConfig config;
  private final CoordStore store;
  private final Registry registry;
  private final CallerAuth auth;
  private final LongPolls polls;
  private final CoordMetrics metrics;
  private final InstantSource clock;

  NodeRoutes(
      CoordConfig config,
      CoordStore store,
      Registry registry,
      CallerAuth auth,
      LongPolls polls,
      CoordMetrics metrics,
      InstantSource clock) {
    this.config = config;
    this.store = store;
    this.registry = registry;
    this.auth = auth;
    this.polls = polls;
    this.metrics = metrics;
    this.clock = clock;
  }

  ApiResponse register(ApiRequest req) {
    RequestVerifier.Result signed = auth.registrant(req);
    String nodeKey = CallerAuth.b64(signed.nodeKey());
    RegisterRequest body = WireValidation.body(req.body(), RegisterRequest.class);
    String name = WireValidation.nodeName(body.nodeName());
    String disco = WireValidation.key("disco_key", body.discoKey());
    if (body.joinKey() != null && body.joinKey().length() > 128) {
      throw WireValidation.field("join_key is too long");
    }
    if (config.requireJoinKeys() && registry.node(nodeKey).isEmpty()) {
      store.checkJoinKey(body.joinKey(), clock.instant()); // before the replay memory takes it
    }
    auth.admit(nodeKey, signed);
    Registration r =
        new Registration(
            nodeKey,
            disco,
            name,
            body.joinKey(),
            config.requireJoinKeys(),
            config.pool(),
            clock.instant(),
            signed.timestamp());
    CoordStore.RegisterOutcome outcome = store.register(r);
    registry.refresh();
    NodeRecord n = outcome.node();
    if (outcome.created()) {
      LOG.info(
          "node_registered node={} name={} tunnel_ip={} join_key={}",
          nodeKey.substring(0, Math.min(8, nodeKey.length())),
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
            (int) config.longPoll().toSeconds(),
            relayAdvertised(req)));
  }

  /** The data relay register replies name (as STUN: explicit, listen address, or Host), or null. */
  private String relayAdvertised(ApiRequest req) {
    if (config.relay() == null) {
      return null;
    }
    String advertise = config.relay().advertise();
    List<String> r =
        StunAdvertise.resolve(
            List.of(config.relay().listen()), // the first entry is the relay port itself
            advertise == null ? List.of() : List.of(advertise),
            req.header().apply("Host"));
    return r.isEmpty() ? null : r.getFirst();
  }

  ApiResponse endpoints(ApiRequest req) {
    CallerAuth.Caller self = auth.node(req);
    EndpointsRequest body = WireValidation.body(req.body(), EndpointsRequest.class);
    var eps = WireValidation.endpoints(body.endpoints(), config.limits().maxEndpoints());
    String nat = WireValidation.nat(body.nat());
    if (store
        .updateEndpoints(self.nodeKey(), eps, nat, clock.instant(), self.signedAt())
        .isEmpty()) {
      throw CallerAuth.unknownNode();
    }
    registry.refresh();
    return ApiResponse.json(200, new Ack(true, registry.cursor()));
  }

  /** Peer delta after the request's cursor; waits for a change when there is none yet. */
  CompletableFuture<ApiResponse> peers(ApiRequest req) {
    String nodeKey = auth.node(req).nodeKey();
    long since = registry.cursorVersion(req.param("cursor"));
    if (since < 0 || since < registry.version() || polls.draining()) {
      return CompletableFuture.completedFuture(peersReply(since));
    }
    return polls.await(
        "peers:" + nodeKey,
        metrics.waitingPeers(),
        () -> registry.awaitChange(since),
        () -> peersReply(since));
  }

  private ApiResponse peersReply(long since) {
    return ApiResponse.rawJson(registry.peersJson(since), Map.of());
  }
}
