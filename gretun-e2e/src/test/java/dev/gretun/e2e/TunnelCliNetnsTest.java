package dev.gretun.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * The real {@code bin/gretun} inside a throwaway network namespace on this machine's kernel, which
 * has no GRE/FOU: create must fail with the clear message and leave nothing behind.
 */
class TunnelCliNetnsTest {
  private static String ns;

  @BeforeAll
  static void createNamespace() throws Exception {
    boolean root = "root".equals(System.getProperty("user.name"));
    if (!root) {
      if (Boolean.getBoolean("gretun.requireRoot")) {
        throw new AssertionError("gretun.requireRoot=true but not running as root");
      }
      Assumptions.abort("needs root for network namespaces");
    }
    ns = "gretun-t-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    sh("ip", "netns", "add", ns);
    sh("ip", "-n", ns, "link", "add", "vt0", "type", "veth", "peer", "name", "vt1");
    sh("ip", "-n", ns, "addr", "add", "10.78.0.1/24", "dev", "vt0");
  }

  @AfterAll
  static void deleteNamespace() throws Exception {
    if (ns != null) {
      sh("ip", "netns", "del", ns);
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
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
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
  void createSaysTheKernelLacksGreAndLeavesNothing() throws Exception {
    Launchers.Result r =
        gretun(
            "create",
            "--name",
            "gt0",
            "--local",
            "10.78.0.1",
            "--remote",
            "10.78.0.2",
            "--encap",
            "fou",
            "--encap-dport",
            "7777",
            "--tunnel-ip",
            "100.64.0.1/24");
    assertEquals(1, r.exit(), r.stderr());
    assertTrue(r.stderr().contains("kernel lacks ip_gre/fou: modprobe fou ip_gre"), r.stderr());
    assertTrue(!r.stderr().contains("Exception"), r.stderr());
    Launchers.Result json =
        gretun(
            "--json", "create", "--name", "gt0", "--local", "10.78.0.1", "--remote", "10.78.0.2");
    assertEquals(1, json.exit());
    assertTrue(json.stdout().contains("\"code\":\"kernel_support\""), json.stdout());
    assertTrue(!sh("ip", "-n", ns, "link", "show").contains("gt0"));
    Launchers.Result list = gretun("list", "--json");
    assertEquals(0, list.exit(), list.stderr());
    assertEquals("[ ]", list.stdout().strip());
  }

  @Test
  void statusAndDeleteOfNonTunnels() throws Exception {
    Launchers.Result missing = gretun("status", "--name", "gt9");
    assertEquals(1, missing.exit());
    assertTrue(missing.stderr().contains("no tunnel named gt9"), missing.stderr());
    Launchers.Result veth = gretun("delete", "--name", "vt0");
    assertEquals(1, veth.exit());
    assertTrue(veth.stderr().contains("not a GRE tunnel"), veth.stderr());
    assertTrue(sh("ip", "-n", ns, "link", "show").contains("vt0"));
  }

  @Test
  void badFlagsAreUsageErrors() throws Exception {
    Launchers.Result r =
        gretun(
            "create",
            "--name",
            "gt0",
            "--local",
            "10.78.0.1",
            "--remote",
            "10.78.0.2",
            "--ttl",
            "0");
    assertEquals(2, r.exit(), r.stderr());
    assertTrue(r.stderr().contains("--ttl 0 is out of range: 1-255"), r.stderr());
  }
}
