package dev.gretun.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.daemon.DaemonMetrics;
import dev.gretun.core.dataplane.DataplaneCounters;
import org.junit.jupiter.api.Test;

class DaemonMetricsExpositionTest {
  private final Exposition x =
      Exposition.parse(new DaemonMetrics(new DataplaneCounters()).registry().scrape());

  @Test
  void everyFamilyHasHelpText() {
    assertEquals(java.util.List.of(), x.familiesWithoutHelp());
  }

  @Test
  void countersExistAtZeroBeforeAnyEvent() {
    for (String c :
        new String[] {
          "gretun_disco_pings_sent_total",
          "gretun_disco_pongs_received_total",
          "gretun_disco_pongs_rejected_total",
          "gretun_punch_failures_total",
          "gretun_disco_dropped_total",
          "gretun_hole_punch_duration_seconds_count",
          "gretun_birthday_probes_total",
        }) {
      assertEquals(0.0, x.value(c).orElseThrow(() -> new AssertionError(c)), c);
    }
    assertEquals(
        0.0, x.value("gretun_dataplane_drops_total", "reason=\"malformed\"").orElseThrow());
    for (String result : new String[] {"direct", "timeout"}) {
      assertEquals(
          0.0, x.value("gretun_birthday_punches_total", "result=\"" + result + "\"").orElseThrow());
    }
  }

  @Test
  void buildInfoAndProcessMetricsInBaseUnits() {
    assertEquals(1.0, x.value("gretun_build_info").orElseThrow());
    String labels = x.labels("gretun_build_info");
    assertTrue(labels.contains("version=\"") && labels.contains("commit=\""), labels);
    double start = x.value("process_start_time_seconds").orElseThrow();
    assertTrue(start > 1.5e9 && start < 1e10, "seconds since the epoch: " + start);
    assertTrue(x.value("process_open_fds").orElseThrow() > 0);
    assertTrue(x.value("process_resident_memory_bytes").orElseThrow() > 1 << 20);
  }
}
