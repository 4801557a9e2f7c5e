package dev.gretun.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real {@code bin/gretun probe} between two throwaway namespaces joined by a veth pair: a host
 * that answers (through a raw socket, and through a ping socket once net.ipv4.ping_group_range
 * allows one), an address nobody holds (100 % loss, exit 1), and bad arguments (exit 2).
 */
class ProbeNetnsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static String near;
  private static String far;

  @BeforeAll
  static void createNamespaces() throws Exception {
    boolean root = "root".equals(System.getProperty("user.name"));
    if (!root) {
      if (Boolean.getBoolean("gretun.requireRoot")) {
        throw new AssertionError("gretun.requireRoot=true but not running as root");
      }
      Assumptions.abort("needs root for network namespaces");
    }
    String id = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 20);
    near = "gretun-t-" + id + "n";
    far = "gretun-t-" + id + "f";
    sh("ip", "netns", "add", near);
    sh("ip", "netns", "add", far);
    sh("ip", "-n", near, "link", "add", "vp0", "type", "veth", "peer", "name", "vp1", "netns", far);
    sh("ip", "-n", near, "addr", "add", "10.79.0.1/24", "dev", "vp0");
    sh("ip", "-n", far, "addr", "add", "10.79.0.2/24", "dev", "vp1");
    sh("ip", "-n", near, "link", "set", "vp0", "up");
    sh("ip", "-n", far, "link", "set", "vp1", "up");
    sh("ip", "-n", near, "link", "set", "lo", "up");
    sh("ip", "-n", far, "link", "set", "lo", "up");
  }

  @AfterAll
  static void deleteNamespaces() throws Exception {
    if (near != null) {
      sh("ip", "netns", "del", near);
      sh("ip", "netns", "del", far);
    }
  }

  private static String sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", cmd));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    return out;
  }

  private static Launchers.Result gretun(String... args) throws Exception {
    ProcessBuilder pb = Launchers.builder("gretun", args);
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", near));
    cmd.addAll(pb.command());
    pb.command(cmd);
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "gretun " + String.join(" ", args));
    return new Launchers.Result(
        p.exitValue(),
        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void answeringHostThroughRawThenPingSocket() throws Exception {
    // A fresh namespace's ping_group_range is "1 0" (nobody): auto falls back to a raw socket.
    Launchers.Result raw =
        gretun("probe", "--json", "--count", "3", "--interval", "200ms", "10.79.0.2");
    assertEquals(0, raw.exit(), raw.stderr());
    JsonNode r = JSON.readTree(raw.stdout());
    assertEquals("raw", r.get("socket").asText());
    assertEquals(3, r.get("sent").asInt());
    assertEquals(3, r.get("received").asInt());
    assertEquals(0.0, r.get("loss_percent").asDouble());
    assertTrue(r.get("rtt_avg_ms").asDouble() > 0, raw.stdout());
    assertEquals(List.of(0, 1, 2), seqs(r));

    sh("ip", "netns", "exec", near, "sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647");
    Launchers.Result ping =
        gretun(
            "probe",
            "--json",
            "--socket",
            "ping",
            "--count",
            "2",
            "--interval",
            "100ms",
            "10.79.0.2");
    assertEquals(0, ping.exit(), ping.stderr());
    JsonNode p = JSON.readTree(ping.stdout());
    assertEquals("ping", p.get("socket").asText());
    assertEquals(2, p.get("received").asInt());
    // The kernel chose the identifier (the socket's "port") and the replies carried it.
    assertTrue(p.get("id").asInt() > 0, ping.stdout());

    Launchers.Result text = gretun("probe", "--count", "1", "10.79.0.2");
    assertEquals(0, text.exit(), text.stderr());
    assertTrue(text.stdout().contains("1 sent, 1 received, 0% loss"), text.stdout());
    assertTrue(text.stdout().contains("(ping socket"), text.stdout());
    sh("ip", "netns", "exec", near, "sysctl", "-qw", "net.ipv4.ping_group_range=1 0");
  }

  private static List<Integer> seqs(JsonNode r) {
    List<Integer> out = new ArrayList<>();
    r.get("replies").forEach(x -> out.add(x.get("seq").asInt()));
    return out;
  }

  @Test
  void silentAddressIsFullLossAndExitOne() throws Exception {
    long start = System.nanoTime();
    Launchers.Result r =
        gretun(
            "probe",
            "--json",
            "--count",
            "2",
            "--interval",
            "200ms",
            "--timeout",
            "500ms",
            "10.79.0.99");
    assertEquals(1, r.exit(), r.stdout() + r.stderr());
    JsonNode j = JSON.readTree(r.stdout());
    assertEquals(2, j.get("sent").asInt());
    assertEquals(0, j.get("received").asInt());
    assertEquals(100.0, j.get("loss_percent").asDouble());
    assertTrue(j.get("rtt_avg_ms").isNull());
    assertTrue(
        System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "bounded by count and timeout");
  }

  @Test
  void badArgumentsAreUsageErrors() throws Exception {
    Launchers.Result count = gretun("probe", "--count", "0", "10.79.0.2");
    assertEquals(2, count.exit());
    assertTrue(count.stderr().contains("e.g. --count 3"), count.stderr());
    Launchers.Result interval = gretun("probe", "--json", "--interval", "0s", "10.79.0.2");
    assertEquals(2, interval.exit());
    assertTrue(interval.stderr().contains("--interval"), interval.stderr());
    assertTrue(interval.stdout().contains("\"code\":\"usage\""), interval.stdout());
  }
}
