package dev.gretun.core.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.testing.RootRequirement;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Opens a real TUN device inside a throwaway network namespace: the probe runs in a child JVM via
 * {@code ip netns exec}, so the device never appears in the root namespace, and deleting the
 * namespace afterwards removes anything left behind.
 */
class TunDeviceNetnsTest {
  private final String netns = "gretun-tun-" + ProcessHandle.current().pid();

  @BeforeEach
  void createNamespace() throws Exception {
    RootRequirement.assumeRoot("the TUN device test");
    exec(List.of("ip", "netns", "add", netns), 10);
  }

  @AfterEach
  void deleteNamespace() throws Exception {
    // ip netns del is harmless when the namespace was never created.
    new ProcessBuilder("ip", "netns", "del", netns)
        .redirectErrorStream(true)
        .start()
        .waitFor(10, TimeUnit.SECONDS);
  }

  @Test
  void readsAndWritesPacketsAndCloseUnblocksTheReader() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var result =
        exec(
            List.of(
                "ip",
                "netns",
                "exec",
                netns,
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                TunNetnsProbe.class.getName()),
            60);
    assertEquals(0, result.exit(), result.output());
    assertTrue(
        result.output().contains("socket received pong from /10.99.0.2:5000"), result.output());
    assertTrue(result.output().strip().endsWith("ok"), result.output());
    var root = exec(List.of("ip", "link", "show", TunNetnsProbe.DEVICE), 10);
    assertNotEquals(0, root.exit(), "the device must not appear in the root namespace");
  }

  private record Result(int exit, String output) {}

  private static Result exec(List<String> cmd, int timeoutSeconds)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(
          String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
    }
    return new Result(
        p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }
}
