package dev.gretun.coord.http;

import dev.gretun.coord.CoordConfig;
import dev.gretun.coord.CoordRejection;
import dev.gretun.coord.auth.ReplayFloor;
import dev.gretun.coord.metrics.CoordMetrics;
import dev.gretun.coord.registry.Registry;
import dev.gretun.coord.store.CoordStore;
import dev.gretun.coord.store.NodeRecord;
import dev.gretun.core.coord.RequestVerifier;
import dev.gretun.core.coord.RequestVerifier.Failure;
import dev.gretun.core.keys.Ed25519Keys;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is calling: verifies the request signature, finds the caller among registered nodes, and only
 * then enters the signature into the replay memory, after the replay floor (see {@link
 * ReplayFloor}) had its say. Requests by unknown keys are therefore never remembered.
 */
final class CallerAuth {
  /** A registered node that signed this request at {@code signedAt} (Unix seconds). */
  record Caller(NodeRecord node, long signedAt) {
    String nodeKey() {
      return node.nodeKey();
    }
  }

  private final RequestVerifier verifier;
  private final ReplayFloor floor;
  private final CoordStore store;
  private final Registry registry;
  private final CoordMetrics metrics;
  private final InstantSource clock;

  /** Node key -> floor this process last persisted for a signal (saves a write per signal). */
  private final Map<String, Long> signalFloors = new ConcurrentHashMap<>();

  CallerAuth(
      CoordConfig.Limits limits,
      CoordStore store,
      Registry registry,
      CoordMetrics metrics,
      InstantSource clock) {
    this.verifier =
        new RequestVerifier(clock, limits.authWindow(), limits.maxRememberedSignatures());
    this.floor =
        new ReplayFloor(
            store.replayFloors(), clock.instant().getEpochSecond(), verifier.windowSeconds());
    this.store = store;
    this.registry = registry;
    this.metrics = metrics;
    this.clock = clock;
    metrics.replayMemory(verifier::remembered);
  }

  /** A request of a registered node: verified, known, then remembered. */
  Caller node(ApiRequest req) {
    RequestVerifier.Result r = verify(req, false);
    String key = b64(r.nodeKey());
    NodeRecord n = registry.node(key).orElse(null);
    if (n == null) {
      metrics.authFailure("unknown_node");
      throw unknownNode();
    }
    admit(key, r, !readsPeers(req));
    return new Caller(n, r.timestamp());
  }

  /**
   * Peer-list polls stay out of the replay memory shared by replicas (one write per poll): a
   * replayed one reads what its node may read and changes nothing.
   */
  private static boolean readsPeers(ApiRequest req) {
    return req.method().equals("GET") && req.target().startsWith("/v1/peers");
  }

  /** Refuses a request that another replica on the same store accepted already. */
  private void rememberShared(RequestVerifier.Result r) {
    long expiresAt = r.timestamp() + verifier.windowSeconds();
    if (!store.rememberSignature(r.signature(), expiresAt, clock.instant().getEpochSecond())) {
      throw refusal(Failure.REPLAYED, 401);
    }
  }

  /**
   * A register request: verified, and its key fit to be registered (a weak key is a 400). Not yet
   * remembered: the caller checks the join key first, then calls {@link #admit}.
   */
  RequestVerifier.Result registrant(ApiRequest req) {
    RequestVerifier.Result r = verify(req, true);
    if (!Ed25519Keys.isValidPublicKey(r.nodeKey())) {
      throw refusal(Failure.WEAK_NODE_KEY, 400);
    }
    return r;
  }

  /** Enters a verified request into the replay memory (and the shared one); refuses a replay. */
  void admit(String nodeKey, RequestVerifier.Result r) {
    admit(nodeKey, r, true);
  }

  private void admit(String nodeKey, RequestVerifier.Result r, boolean shared) {
    Failure f =
        floor.refuses(nodeKey, r.timestamp(), clock.instant().getEpochSecond())
            ? Failure.REPLAYED
            : verifier.remember(r);
    if (f != null) {
      throw refusal(f, f == Failure.BUSY ? 429 : 401);
    }
    if (shared) {
      rememberShared(r);
    }
  }

  /** Persists the caller's replay floor for a state change kept in memory only (a signal). */
  void persistFloor(Caller c) {
    Long done = signalFloors.get(c.nodeKey());
    if (done == null || done < c.signedAt()) {
      store.raiseReplayFloor(c.nodeKey(), c.signedAt());
      signalFloors.merge(c.nodeKey(), c.signedAt(), Math::max);
    }
  }

  private RequestVerifier.Result verify(ApiRequest req, boolean registering) {
    String host = req.header().apply("Host");
    RequestVerifier.Result r =
        verifier.verify(
            name -> req.header().apply(name),
            req.method(),
            host == null ? "" : host,
            req.target(),
            req.body());
    if (!r.ok()) {
      throw refusal(r.failure(), registering && r.failure() == Failure.WEAK_NODE_KEY ? 400 : 401);
    }
    return r;
  }

  private CoordRejection refusal(Failure f, int status) {
    metrics.authFailure(f.code);
    return new CoordRejection(status, f.code, f.message);
  }

  static String b64(byte[] raw) {
    return Base64.getEncoder().encodeToString(raw);
  }

  static CoordRejection unknownNode() {
    return new CoordRejection(
        401, "unknown_node", "this node key is not registered; register again");
  }
}
