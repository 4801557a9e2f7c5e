package dev.gretun.e2e.ops;

import static dev.gretun.e2e.lab.Lab.A;
import static dev.gretun.e2e.lab.Lab.B;
import static dev.gretun.e2e.lab.Lab.NAT1;
import static dev.gretun.e2e.lab.Lab.NAT2;
import static dev.gretun.e2e.lab.Lab.PUB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.metrics.Exposition;
import dev.gretun.e2e.Launchers;
import dev.gretun.e2e.lab.Lab;
import dev.gretun.e2e.lab.LabExtension;
import dev.gretun.e2e.lab.LabProcess;
import dev.gretun.e2e.lab.NatMode;
import dev.gretun.e2e.overlay.Overlay;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue #17's operations checks against real processes in the netns lab: both /metrics endpoints (a
 * real {@code gretun up} and a real {@code gretun-coord}) have HELP on every family, the build
 * info, counters at zero and process metrics; the daemons' logs are logfmt (b) and JSON lines
 * ({@code --log-format json}, a) with addresses as {@code ip:port}.
 */
@ExtendWith(LabExtension.class)
class ObservabilityLabTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DAEMON_METRICS = "http://127.0.0.1:9464/metrics";
  private static final String COORD_METRICS = "http://127.0.0.1:9465/metrics";

  /** A logfmt pair: key, then a bare value or a quoted one with escapes. */
  private static final Pattern LOGFMT =
      Pattern.compile("^(?:[^\\s=\"]+=(?:[^\\s=\"\\\\]+|\"(?:[^\"\\\\]|\\\\.)*\")(?: |$))+$");

  @Test
  void metricsAndLogsOfARealDaemonAndCoordinator(Lab lab) throws Exception {
    lab.nat(NAT1, NatMode.PLAIN);
    lab.nat(NAT2, NatMode.PLAIN);
    lab.flush(NAT1, NAT2);
    Overlay o = new Overlay(lab, "observability");
    LabProcess coord = o.startCoordinator();
    LabProcess a = o.up(A, "--metrics-addr", "127.0.0.1:9464", "--log-format", "json");
    a.awaitLine("\"event\":\"registered\"", Duration.ofSeconds(30));

    // Right after start: every counter family is there at zero before its first event.
    Exposition daemon = scrape(lab, A, DAEMON_METRICS);
    assertEquals(List.of(), daemon.familiesWithoutHelp(), "daemon families without HELP");
    assertStandard(daemon, "gretun_build_info");
    for (String c :
        List.of(
            "gretun_punch_failures_total",
            "gretun_disco_dropped_total",
            "gretun_disco_pongs_rejected_total",
            "gretun_hole_punch_duration_seconds_count")) {
      assertEquals(0.0, daemon.value(c).orElseThrow(() -> new AssertionError(c)), c);
    }
    assertEquals(
        0.0, daemon.value("gretun_disco_refused_total", "reason=\"replayed\"").orElseThrow());

    LabProcess b = o.up(B);
    o.awaitState(A, B, "direct", Duration.ofSeconds(90));
    o.awaitState(B, A, "direct", Duration.ofSeconds(30));

    Exposition coordMetrics = scrape(lab, PUB, COORD_METRICS);
    assertEquals(
        List.of(), coordMetrics.familiesWithoutHelp(), "coordinator families without HELP");
    assertStandard(coordMetrics, "gretun_coord_build_info");
    assertEquals(
        0.0,
        coordMetrics.value("gretun_coord_auth_failures_total", "code=\"replayed\"").orElseThrow());
    assertEquals(
        0.0,
        coordMetrics
            .value("gretun_coord_connections_refused_total", "reason=\"per_ip\"")
            .orElseThrow());
    assertTrue(
        coordMetrics
                .value("gretun_coord_request_duration_seconds_count", "route=\"register\"")
                .orElseThrow()
            >= 2,
        "two registrations timed");
    assertTrue(
        coordMetrics
            .value("gretun_coord_request_duration_seconds_bucket", "route=\"peers\"", "le=\"+Inf\"")
            .isPresent());
    assertTrue(
        scrape(lab, A, DAEMON_METRICS).value("gretun_disco_pongs_received_total").orElseThrow()
            >= 1,
        "a counted the pongs of its punch");

    // Logs: b logfmt, a JSON lines; nowhere an address printed as /ip:port.
    assertLogfmt(b.stderr());
    assertLogfmt(coord.stderr());
    assertJsonLines(a.stderr());
    assertTrue(
        Pattern.compile("event=peer_state .*to=direct reason=\"data path confirmed via \\d+\\.")
            .matcher(b.stderr())
            .find(),
        b.stderr());
    for (String log : List.of(a.stderr(), b.stderr(), coord.stderr())) {
      assertFalse(
          Pattern.compile("[=\" ]/\\d+\\.\\d+\\.\\d+\\.\\d+").matcher(log).find(),
          "an address printed as /ip:\n" + log);
    }
  }

  private static Exposition scrape(Lab lab, String node, String url) throws Exception {
    // The listener opens once start-up is complete; give it a few seconds.
    Launchers.Result r = lab.exec(node, "curl", "-sf", "--max-time", "5", url);
    for (int i = 0; i < 50 && r.exit() == 7; i++) {
      Thread.sleep(200);
      r = lab.exec(node, "curl", "-sf", "--max-time", "5", url);
    }
    assertEquals(0, r.exit(), "curl " + url + " in " + node + ": " + r.stderr());
    return Exposition.parse(r.stdout());
  }

  private static void assertStandard(Exposition x, String buildInfo) {
    assertEquals(1.0, x.value(buildInfo).orElseThrow(() -> new AssertionError(buildInfo)));
    String labels = x.labels(buildInfo);
    assertTrue(labels.contains("version=\"") && labels.contains("commit=\""), labels);
    double start = x.value("process_start_time_seconds").orElseThrow();
    assertTrue(start > 1.5e9 && start < 1e10, "process_start_time_seconds in seconds: " + start);
    assertTrue(x.value("process_open_fds").orElseThrow() > 0, "process_open_fds");
    assertTrue(
        x.value("process_resident_memory_bytes").orElseThrow() > 1 << 20,
        "process_resident_memory_bytes in bytes");
  }

  private static void assertLogfmt(String stderr) {
    assertFalse(stderr.isBlank(), "no logs");
    for (String line : stderr.split("\n")) {
      assertTrue(line.startsWith("time="), "not a logfmt line: " + line);
      assertTrue(LOGFMT.matcher(line).matches(), "not logfmt: " + line);
    }
  }

  private static void assertJsonLines(String stderr) throws Exception {
    assertFalse(stderr.isBlank(), "no logs");
    for (String line : stderr.split("\n")) {
      JsonNode n = JSON.readTree(line);
      for (String field : List.of("time", "level", "logger", "event")) {
        assertTrue(n.has(field), field + " missing: " + line);
      }
    }
  }
}
