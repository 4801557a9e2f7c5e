package dev.gretun.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Bad arguments of probe/health/ping/down are usage errors (exit 2) that say what to type. */
class OpsCommandUsageTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = CommandLines.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  private void assertUsage(String expected, String... args) {
    assertEquals(2, run(args), String.join(" ", args) + ": " + err);
    assertTrue(err.toString().contains(expected), err.toString());
  }

  @Test
  void probeCountMustBePositive() {
    assertUsage(
        "--count must be between 1 and 65535 (got 0), e.g. --count 3",
        "probe",
        "--count",
        "0",
        "127.0.0.1");
  }

  @Test
  void probeCountIsBounded() {
    assertUsage("--count must be between 1 and 65535", "probe", "--count", "70000", "127.0.0.1");
  }

  @Test
  void probeIntervalMustBePositive() {
    assertUsage("duration must be positive", "probe", "--interval", "0ms", "127.0.0.1");
  }

  @Test
  void probeIntervalMustParse() {
    assertUsage("--interval: invalid duration '-1s'", "probe", "--interval=-1s", "127.0.0.1");
  }

  @Test
  void probeNeedsAHost() {
    assertUsage("Missing required parameter: 'HOST'", "probe");
  }

  @Test
  void probeSocketKind() {
    assertUsage("--socket must be auto, ping or raw", "probe", "--socket", "udp", "127.0.0.1");
  }

  @Test
  void probeJsonUsageErrorHasCode() {
    assertEquals(2, run("probe", "--json", "--count", "0", "127.0.0.1"));
    assertTrue(out.toString().contains("\"code\":\"usage\""), out.toString());
  }

  @Test
  void healthRoundsNeedWatch() {
    assertUsage("--rounds needs --watch", "health", "--rounds", "2");
  }

  @Test
  void healthIntervalMustBePositive() {
    assertUsage("--interval", "health", "--watch", "--interval", "0s");
  }

  @Test
  void pingNeedsAPeerAndABoundedTimeout() {
    assertUsage("Missing required parameter: 'PEER'", "ping");
    assertUsage("--timeout must be at most 30s", "ping", "--timeout", "1m", "b");
  }

  @Test
  void downTimeoutMustParse() {
    assertUsage("--timeout: invalid duration", "down", "--timeout", "soon");
  }

  @Test
  void pingAndDownWithoutDaemonExitOneWithNotRunning() {
    assertEquals(1, run("ping", "--json", "--control-socket", "/nonexistent/gretun.sock", "b"));
    assertTrue(out.toString().contains("\"code\":\"not_running\""), out.toString());
    assertEquals(1, run("down", "--control-socket", "/nonexistent/gretun.sock"));
    assertTrue(err.toString().contains("start one with 'sudo gretun up'"), err.toString());
  }
}
