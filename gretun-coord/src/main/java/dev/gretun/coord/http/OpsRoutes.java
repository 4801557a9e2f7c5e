package dev.gretun.coord.http;

import dev.gretun.coord.CoordRejection;
import dev.gretun.coord.registry.Registry;
import dev.gretun.core.BuildInfo;
import dev.gretun.core.coord.CoordWire;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * Operator routes on the public listener: {@code /healthz} and {@code /debug/peers}. The latter
 * always needs the admin token: a loopback client is no proof of anything behind a same-host TLS
 * proxy, where every client is loopback.
 */
final class OpsRoutes {
  private final Registry registry;
  private final String adminToken;

  OpsRoutes(Registry registry, String adminToken) {
    this.registry = registry;
    this.adminToken = adminToken;
  }

  ApiResponse health() {
    return ApiResponse.json(
        200, new CoordWire.Health("ok", registry.size(), BuildInfo.current().version()));
  }

  ApiResponse debugPeers(ApiRequest req) {
    if (adminToken == null) {
      throw new CoordRejection(
          403, "forbidden", "/debug/peers is off: start the coordinator with --admin-token-file");
    }
    if (!adminTokenMatches(req.header().apply("Authorization"))) {
      throw new CoordRejection(
          403, "forbidden", "/debug/peers needs 'Authorization: Bearer <admin token>'");
    }
    return ApiResponse.rawJson(registry.peersJson(-1), Map.of());
  }

  private boolean adminTokenMatches(String authorization) {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return false;
    }
    return MessageDigest.isEqual(
        authorization.substring(7).getBytes(StandardCharsets.UTF_8),
        adminToken.getBytes(StandardCharsets.UTF_8));
  }
}
