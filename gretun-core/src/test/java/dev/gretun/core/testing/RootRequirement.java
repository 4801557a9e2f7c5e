package dev.gretun.core.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Skips a test that needs root, unless {@code -Dgretun.requireRoot=true} (CI): then it fails. */
public final class RootRequirement {
  private RootRequirement() {}

  public static void assumeRoot(String what) throws IOException {
    boolean root =
        Files.readAllLines(Path.of("/proc/self/status")).stream()
            .filter(l -> l.startsWith("Uid:"))
            .anyMatch(l -> l.split("\\s+")[2].equals("0"));
    if (!root && Boolean.getBoolean("gretun.requireRoot")) {
      throw new AssertionError(what + " needs root, and gretun.requireRoot=true");
    }
    assumeTrue(root, what + " needs root (run as root or in CI)");
  }
}
