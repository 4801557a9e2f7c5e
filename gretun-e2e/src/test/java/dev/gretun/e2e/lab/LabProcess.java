package dev.gretun.e2e.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real process running inside a lab namespace ({@code ip netns exec NS ...}), with stdout and
 * stderr captured into files. {@link #close()} always kills the whole process tree.
 */
public final class LabProcess implements AutoCloseable {
  private static final int REPORT_LINES = 200;
  private static final Duration POLL = Duration.ofMillis(50);
  private static final Duration KILL_GRACE = Duration.ofSeconds(3);

  private final String name;
  private final String namespace;
  private final List<String> command;
  private final Process process;
  private final Path stdoutFile;
  private final Path stderrFile;

  private LabProcess(
      String name,
      String namespace,
      List<String> command,
      Process process,
      Path stdoutFile,
      Path stderrFile) {
    this.name = name;
    this.namespace = namespace;
    this.command = command;
    this.process = process;
    this.stdoutFile = stdoutFile;
    this.stderrFile = stderrFile;
  }

  /**
   * Starts {@code pb}'s command inside {@code namespace}, logging to {@code logDir/NAME.out} and
   * {@code NAME.err} (NAME made unique within the directory).
   */
  static LabProcess start(String namespace, String name, ProcessBuilder pb, Path logDir)
      throws IOException {
    List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    command.addAll(pb.command());
    Files.createDirectories(logDir);
    String unique = name;
    for (int i = 2; Files.exists(logDir.resolve(unique + ".out")); i++) {
      unique = name + "-" + i;
    }
    Path out = logDir.resolve(unique + ".out");
    Path err = logDir.resolve(unique + ".err");
    pb.command(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    return new LabProcess(unique, namespace, List.copyOf(command), pb.start(), out, err);
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public Path stdoutFile() {
    return stdoutFile;
  }

  public Path stderrFile() {
    return stderrFile;
  }

  public String stdout() {
    return read(stdoutFile);
  }

  public String stderr() {
    return read(stderrFile);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits until a line of stdout or stderr (where our programs log) contains {@code needle} and
   * returns it; fails with this process's logs if the process exits or the time runs out first.
   */
  public String awaitLine(String needle, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean exited = !process.isAlive();
      Optional<String> line =
          (stdout() + "\n" + stderr()).lines().filter(l -> l.contains(needle)).findFirst();
      if (line.isPresent()) {
        return line.get();
      }
      if (exited) {
        throw new AssertionError(
            "process exited before printing '" + needle + "'\n" + report(), null);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no '" + needle + "' within " + timeout + "\n" + report(), null);
      }
      Thread.sleep(POLL);
    }
  }

  /** Waits for the process to exit and returns its status; kills it and fails on timeout. */
  public int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      close();
      throw new AssertionError("still running after " + timeout + "\n" + report(), null);
    }
    return process.exitValue();
  }

  /** Command, exit status and the tail of both logs, for a test report. */
  public String report() {
    String status = process.isAlive() ? "running" : "exit=" + process.exitValue();
    return "---- "
        + name
        + " in "
        + namespace
        + " ("
        + status
        + "): "
        + String.join(" ", command)
        + "\n-- stdout "
        + stdoutFile
        + "\n"
        + tail(stdout())
        + "-- stderr "
        + stderrFile
        + "\n"
        + tail(stderr());
  }

  /**
   * {@code kill -9} of the process and all its descendants at once: no shutdown hook, no goodbye on
   * its connections (the kernel closes its sockets). Fails unless all are gone within 10 s.
   */
  public void kill9() throws InterruptedException {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle h : tree) {
      try {
        h.onExit().get(10, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new AssertionError("pid " + h.pid() + " of " + name + " survived SIGKILL", e);
      }
    }
  }

  /** Kills the process and all its descendants (TERM, then KILL after a grace period). */
  @Override
  public void close() {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + KILL_GRACE.toNanos();
    for (ProcessHandle h : tree) {
      long left = deadline - System.nanoTime();
      try {
        if (left > 0) {
          h.onExit().get(left, TimeUnit.NANOSECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        // did not stop in time: KILL below
      }
      h.destroyForcibly();
    }
  }

  private static String tail(String text) {
    List<String> lines = text.lines().toList();
    int from = Math.max(0, lines.size() - REPORT_LINES);
    StringBuilder sb = new StringBuilder();
    if (from > 0) {
      sb.append("[... ").append(from).append(" earlier lines ...]\n");
    }
    lines.subList(from, lines.size()).forEach(l -> sb.append(l).append('\n'));
    return sb.toString();
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
