package dev.gretun.e2e.coordload;

import static dev.gretun.e2e.coordload.CoordProcess.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /debug/peers needs the admin token from every client (loopback included: behind a same-host proxy
 * every client is loopback), encoded or dotted paths cannot reach it, and /metrics is only on the
 * metrics listener.
 */
class AdminSurfacesTest {
  private static final String TOKEN = "e2e-admin-token-0123456789";
  private static final String BEARER = "Authorization: Bearer " + TOKEN + "\r\n";

  @TempDir Path dir;

  @Test
  void debugPeersNeedsTheTokenAndAStraightPath() throws Exception {
    Path tokenFile = dir.resolve("admin.token");
    Files.writeString(tokenFile, TOKEN + "\n");
    try (CoordProcess coord = CoordProcess.start(dir, "--admin-token-file", tokenFile.toString())) {
      InetAddress lo = InetAddress.getLoopbackAddress();
      CoordProcess.Reply noToken = get(lo, coord.port, "/debug/peers", "");
      assertEquals(403, noToken.status());
      assertTrue(noToken.body().contains("\"forbidden\""), noToken.body());
      assertEquals(
          403, get(lo, coord.port, "/debug/peers", "Authorization: Bearer wrong\r\n").status());
      CoordProcess.Reply ok = get(lo, coord.port, "/debug/peers", BEARER);
      assertEquals(200, ok.status(), ok.body());
      assertTrue(ok.body().contains("\"peers\""), ok.body());
      for (String sneaky :
          new String[] {
            "/debug%2Fpeers",
            "/debug%2fpeers",
            "//debug/peers",
            "/x/../debug/peers",
            "/./debug/peers"
          }) {
        for (String auth : new String[] {"", BEARER}) {
          CoordProcess.Reply r = get(lo, coord.port, sneaky, auth);
          assertEquals(400, r.status(), sneaky + ": " + r.body());
          assertTrue(r.body().contains("\"bad_request\""), r.body());
        }
      }
    }
  }

  @Test
  void withoutATokenFileDebugPeersIsOffForEveryone() throws Exception {
    try (CoordProcess coord = CoordProcess.start(dir)) {
      CoordProcess.Reply r =
          get(InetAddress.getLoopbackAddress(), coord.port, "/debug/peers", BEARER);
      assertEquals(403, r.status());
      assertTrue(r.body().contains("--admin-token-file"), r.body());
    }
  }

  @Test
  void metricsAreOnlyOnTheMetricsListener() throws Exception {
    InetAddress lo = InetAddress.getLoopbackAddress();
    try (CoordProcess coord = CoordProcess.start(dir)) {
      CoordProcess.Reply publicMetrics = get(lo, coord.port, "/metrics", "");
      assertEquals(404, publicMetrics.status());
      CoordProcess.Reply metrics = get(lo, coord.metricsPort, "/metrics", "");
      assertEquals(200, metrics.status());
      assertTrue(metrics.body().contains("gretun_coord_nodes "), metrics.body());
      assertEquals(404, get(lo, coord.metricsPort, "/debug/peers", BEARER).status());
      assertEquals(404, get(lo, coord.metricsPort, "/healthz", "").status());
    }
    int port = CoordProcess.freePort();
    try (CoordProcess off = CoordProcess.start(dir.resolve("off"), "--metrics-listen", "off")) {
      assertTrue(off.logText().contains("metrics=off"), off.logText());
      assertEquals(404, get(lo, off.port, "/metrics", "").status());
      assertThrows(IOException.class, () -> get(lo, port, "/metrics", ""));
    }
  }
}
