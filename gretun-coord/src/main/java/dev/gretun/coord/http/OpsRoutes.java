package dev.gretun.coord.http;

import dev.gretun.coord.CoordRejection;
import dev.gretun.coord.metrics.CoordMetrics;
import dev.gretun.coord.registry.Registry;
import dev.gretun.core.BuildInfo;
import dev.gretun.core.coord.CoordWire;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/** Operator routes: {@code /healthz}, {@code /metrics} and {@code /debug/peers}. */
final class OpsRoutes {
  private final Registry registry;
  private final CoordMetrics metrics;
  private final String adminToken;

  OpsRoutes(Registry registry, CoordMetrics metrics, String adminToken) {
    this.registry = registry;
    this.metrics = metrics;
    this.adminToken = adminToken;
  }

  ApiResponse health() {
    return ApiResponse.json(
        200, new CoordWire.Health("ok", registry.size(), BuildInfo.current().version()));
  }

  ApiResponse metrics() {
    return ApiResponse.text("text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
  }

  ApiResponse debugPeers(ApiRequest req) {
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
    if (adminToken == null || authorization == null || !authorization.startsWith("Bearer ")) {
      return false;
    }
    return MessageDigest.isEqual(
        authorization.substring(7).getBytes(StandardCharsets.UTF_8),
        adminToken.getBytes(StandardCharsets.UTF_8));
  }
}
