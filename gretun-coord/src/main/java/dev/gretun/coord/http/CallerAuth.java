package dev.gretun.coord.http;

import dev.gretun.coord.CoordRejection;
import dev.gretun.coord.metrics.CoordMetrics;
import dev.gretun.coord.registry.Registry;
import dev.gretun.coord.store.NodeRecord;
import dev.gretun.core.coord.RequestVerifier;
import java.util.Base64;

/** Who is calling: verifies the request signature and finds the caller among registered nodes. */
final class CallerAuth {
  private final RequestVerifier verifier;
  private final Registry registry;
  private final CoordMetrics metrics;

  CallerAuth(RequestVerifier verifier, Registry registry, CoordMetrics metrics) {
    this.verifier = verifier;
    this.registry = registry;
    this.metrics = metrics;
  }

  /** Verifies the signature; returns the caller's node key (base64). */
  String nodeKey(ApiRequest req) {
    RequestVerifier.Result r =
        verifier.verify(name -> req.header().apply(name), req.method(), req.target(), req.body());
    if (!r.ok()) {
      metrics.authFailure(r.failure().code);
      int status = r.failure() == RequestVerifier.Failure.BUSY ? 429 : 401;
      throw new CoordRejection(status, r.failure().code, r.failure().message);
    }
    return Base64.getEncoder().encodeToString(r.nodeKey());
  }

  /** Verifies the signature; returns the caller's node, which must be registered. */
  NodeRecord node(ApiRequest req) {
    return registry.node(nodeKey(req)).orElseThrow(CallerAuth::unknownNode);
  }

  static CoordRejection unknownNode() {
    return new CoordRejection(
        401, "unknown_node", "this node key is not registered; register again");
  }
}
