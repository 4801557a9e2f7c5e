package dev.gretun.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.daemon.DaemonConfig;
import dev.gretun.core.daemon.localapi.LocalApiServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The picocli-free commands ({@link QuickCommands}) print exactly what picocli's commands print for
 * the same command line, take only the command lines they know, and leave failures to picocli.
 */
class QuickCommandsTest {
  @TempDir Path dir;

  /** What the quick path printed, or null when it did not take the command line. */
  private static String quick(String... args) {
    StringWriter out = new StringWriter();
    return QuickCommands.run(args, new PrintWriter(out)) ? out.toString() : null;
  }

  private static String picocli(String... args) {
    StringWriter out = new StringWriter();
    CommandLine cl = CommandLines.commandLine(args);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(new StringWriter(), true));
    assertEquals(0, cl.execute(args), String.join(" ", args));
    return out.toString();
  }

  private static void samePrinted(String... args) {
    String quick = quick(args);
    assertNotNull(quick, "not taken: " + String.join(" ", args));
    assertEquals(picocli(args), quick, String.join(" ", args));
  }

  @Test
  void versionPrintsWhatPicocliPrints() {
    samePrinted("version");
    samePrinted("version", "--json");
    samePrinted("--json", "version");
    assertTrue(quick("version", "--json").contains("\"commit\""));
  }

  @Test
  void peersPrintsWhatPicocliPrintsForARunningDaemon() throws Exception {
    Map<String, Object> peer = new LinkedHashMap<>();
    peer.put("name", "b");
    peer.put("tunnel_ip", "100.64.0.2");
    peer.put("state", "direct");
    peer.put("path", "direct");
    peer.put("endpoint", "198.51.100.10:7777");
    peer.put("rtt_ms", 1.25);
    peer.put("bytes_in", 10);
    peer.put("bytes_out", 20);
    try (LocalApiServer server =
        LocalApiServer.start(dir.resolve("api.sock"), request -> List.of(peer))) {
      String sock = server.path().toString();
      samePrinted("peers", "--json", "--control-socket", sock);
      samePrinted("peers", "--control-socket=" + sock);
      samePrinted("--json", "peers", "--control-socket", sock);
      assertTrue(quick("peers", "--control-socket", sock).contains("198.51.100.10:7777"));
    }
  }

  @Test
  void listPrintsWhatPicocliPrints() {
    samePrinted("list", "--json");
    samePrinted("list");
  }

  @Test
  void aFailureIsLeftToPicocliWithNothingPrinted() {
    String none = dir.resolve("nobody-listens.sock").toString();
    assertNull(quick("peers", "--json", "--control-socket", none));
    assertNull(quick("peers", "--control-socket", none));
  }

  @Test
  void onlyTheKnownCommandLinesAreTaken() {
    assertEquals(
        new QuickCommands.Quick("peers", true, Path.of(DaemonConfig.DEFAULT_LOCAL_API_SOCKET)),
        QuickCommands.parse(new String[] {"peers", "--json"}));
    assertEquals(
        new QuickCommands.Quick("peers", false, Path.of("/run/x.sock")),
        QuickCommands.parse(new String[] {"peers", "--control-socket", "/run/x.sock"}));
    for (String[] args :
        new String[][] {
          {},
          {"--json"},
          {"up"},
          {"status", "t0"},
          {"version", "--help"},
          {"version", "-h"},
          {"list", "--verbose"},
          {"list", "extra"},
          {"list", "--json", "--json"},
          {"version", "list"},
          {"list", "--control-socket", "/x"},
          {"--control-socket", "/x", "peers"},
          {"peers", "--control-socket"},
          {"peers", "--control-socket", "--json"},
          {"peers", "--control-socket="},
          {"peers", "--control-socket", "/a", "--control-socket", "/b"},
          {"peers", "--control-socketx"},
        }) {
      assertNull(QuickCommands.parse(args), String.join(" ", args));
      assertFalse(QuickCommands.run(args, new PrintWriter(new StringWriter())));
    }
  }
}
