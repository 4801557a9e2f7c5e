package dev.gretun.core.testing;

import dev.gretun.core.os.Namespaces;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway network namespace ({@code ip netns add gretun-t-<random>}) for tests on the real
 * kernel; {@link #close} deletes it, which also removes every device inside. Tests that need it are
 * skipped with a reason when not root, unless {@code -Dgretun.requireRoot=true} (CI), where they
 * fail instead.
 */
public final class Netns implements AutoCloseable {
  private final String name;

  private Netns(String name) {
    this.name = name;
  }

  public static Netns create() {
    requireRoot();
    Netns ns =
        new Netns("gretun-t-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16));
    ns.host("ip", "netns", "add", ns.name);
    return ns;
  }

  public static void requireRoot() {
    boolean root = "root".equals(System.getProperty("user.name"));
    if (!root && !Boolean.getBoolean("gretun.requireRoot")) {
      Assumptions.abort("needs root for network namespaces (run as root or in CI)");
    }
    if (!root) {
      throw new AssertionError("gretun.requireRoot=true but the tests are not running as root");
    }
  }

  public String name() {
    return name;
  }

  public Path path() {
    return Namespaces.named(name);
  }

  /** Runs {@code ip -n NS ARGS...} and fails on a non-zero exit. */
  public String ip(String... args) {
    List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
    cmd.addAll(List.of(args));
    return host(cmd.toArray(String[]::new));
  }

  /** Runs a command in the root namespace (bounded to 30 s); returns stdout. */
  public String host(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("timed out: " + String.join(" ", cmd));
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new AssertionError(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
      }
      return out;
    } catch (IOException e) {
      throw new AssertionError("cannot run " + cmd[0], e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  @Override
  public void close() {
    host("ip", "netns", "del", name);
  }
}
