package dev.gretun.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real launchers ({@code bin/gretun}, {@code bin/gretun-coord}) on the jars this build
 * just shaded, as separate processes.
 */
public final class Launchers {
  public static final Path ROOT = Path.of(System.getProperty("gretun.root", "..")).toAbsolutePath();
  private static Path jarDir;

  private Launchers() {}

  /** A finished process: exit status and both output streams. */
  public record Result(int exit, String stdout, String stderr) {}

  /** Directory holding gretun.jar and gretun-coord.jar (copied from the module targets once). */
  public static synchronized Path jarDir() throws IOException {
    if (jarDir == null) {
      Path dir = Path.of("target", "jars").toAbsolutePath();
      Files.createDirectories(dir);
      Files.copy(
          Path.of(System.getProperty("gretun.cliJar")),
          dir.resolve("gretun.jar"),
          StandardCopyOption.REPLACE_EXISTING);
      Files.copy(
          Path.of(System.getProperty("gretun.coordJar")),
          dir.resolve("gretun-coord.jar"),
          StandardCopyOption.REPLACE_EXISTING);
      jarDir = dir;
    }
    return jarDir;
  }

  /** Command line that starts {@code bin/NAME} with the given arguments. */
  public static List<String> command(String name, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ROOT.resolve("bin").resolve(name).toString());
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Process builder for {@code bin/NAME ARGS}, with the jar directory and Java home set. */
  public static ProcessBuilder builder(String name, String... args) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command(name, args));
    pb.environment().put("GRETUN_JAR_DIR", jarDir().toString());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    return pb;
  }

  /** Runs {@code bin/NAME ARGS} to completion (at most 60 s). */
  public static Result run(String name, String... args) throws IOException, InterruptedException {
    ProcessBuilder pb = builder(name, args);
    Path out = Files.createTempFile("gretun-out", ".txt");
    Path err = Files.createTempFile("gretun-err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + pb.command());
    }
    try {
      return new Result(
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
