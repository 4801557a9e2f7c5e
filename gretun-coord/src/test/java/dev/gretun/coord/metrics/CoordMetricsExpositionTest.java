package dev.gretun.coord.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.coord.relay.SignalRelay;
import dev.gretun.coord.stun.StunService;
import dev.gretun.core.metrics.Exposition;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CoordMetricsExpositionTest {
  @Test
  void helpBuildInfoZeroCountersLatencyAndProcess() {
    CoordMetrics m = new CoordMetrics(() -> 0, RELAY, STUN);
    Exposition x = Exposition.parse(m.scrape());
    assertEquals(List.of(), x.familiesWithoutHelp());
    assertEquals(1.0, x.value("gretun_coord_build_info").orElseThrow());
    for (String route : CoordMetrics.ROUTES) {
      String r = "route=\"" + route + "\"";
      assertEquals(0.0, x.value("gretun_coord_requests_total", r).orElseThrow(), route);
      assertEquals(
          0.0, x.value("gretun_coord_request_duration_seconds_count", r).orElseThrow(), route);
    }
    assertEquals(
        0.0, x.value("gretun_coord_auth_failures_total", "code=\"replayed\"").orElseThrow());
    assertTrue(x.value("process_resident_memory_bytes").orElseThrow() > 0);

    m.request("register", 200, Duration.ofMillis(3));
    x = Exposition.parse(m.scrape());
    assertEquals(
        1.0,
        x.value(
                "gretun_coord_request_duration_seconds_bucket",
                "route=\"register\"",
                "le=\"0.005\"")
            .orElseThrow());
    assertEquals(
        0.0,
        x.value(
                "gretun_coord_request_duration_seconds_bucket",
                "route=\"register\"",
                "le=\"0.001\"")
            .orElseThrow());
  }

  private static final SignalRelay RELAY = new SignalRelay(16, Duration.ofSeconds(30));
  private static final StunService STUN = StunService.OFF;
}
