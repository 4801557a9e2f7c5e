package dev.gretun.core.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times the phases of {@code gretun up}'s start-up: one {@code startup_phase name=… ms=…} line per
 * finished phase, and a watchdog: a phase still running after {@code limit} logs {@code
 * startup_stalled} at WARN with a full thread dump written to a file in the state directory (a
 * start-up under a slow or loaded machine, e.g. the kernel tier's emulated VM, that seems to hang
 * must say where). At most {@link #MAX_DUMPS} dumps per start.
 */
final class StartupWatch implements AutoCloseable {
  static final int MAX_DUMPS = 3;
  private static final Logger log = LoggerFactory.getLogger(StartupWatch.class);

  private final long limitNanos;
  private final Path dumpDir;
  private final ScheduledExecutorService watchdog =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("startup-watchdog").daemon().factory());
  private final long startedAt = System.nanoTime();
  private String phase;
  private long phaseStart;
  private int phaseSeq;
  private int dumps;

  StartupWatch(Duration limit, Path dumpDir) {
    this.limitNanos = limit.toNanos();
    this.dumpDir = dumpDir;
  }

  /** Ends the current phase (logging its duration) and starts {@code name}. */
  synchronized void phase(String name) {
    endPhase();
    phase = name;
    phaseStart = System.nanoTime();
    int seq = ++phaseSeq;
    watchdog.schedule(() -> check(seq), limitNanos, TimeUnit.NANOSECONDS);
  }

  private void endPhase() {
    if (phase != null) {
      log.info("startup_phase name={} ms={}", phase, millisSince(phaseStart));
      phase = null;
    }
  }

  private synchronized void check(int seq) {
    if (seq != phaseSeq || phase == null) {
      return; // the phase ended in time
    }
    if (dumps < MAX_DUMPS) {
      dumps++;
      log.warn(
          "startup_stalled phase={} waited_ms={} threads={}",
          phase,
          millisSince(phaseStart),
          writeDump());
    }
    watchdog.schedule(() -> check(seq), limitNanos, TimeUnit.NANOSECONDS);
  }

  private String writeDump() {
    Path file =
        dumpDir.resolve("startup-stall-" + phase + "-" + System.currentTimeMillis() + ".txt");
    try {
      Files.writeString(file, threadDump(), StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      return file.toString();
    } catch (IOException | UnsupportedOperationException e) {
      return "unwritten(" + e.getMessage() + ")";
    }
  }

  static String threadDump() {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
      Thread t = e.getKey();
      b.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
      for (StackTraceElement f : e.getValue()) {
        b.append("    at ").append(f).append('\n');
      }
      b.append('\n');
    }
    return b.toString();
  }

  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }

  /** Ends the last phase and logs the whole start-up's duration. */
  synchronized void done() {
    close();
    log.info("startup_done ms={}", millisSince(startedAt));
  }

  /** Ends the current phase (also when start-up failed in it) and stops the watchdog. */
  @Override
  public synchronized void close() {
    endPhase();
    phaseSeq++;
    watchdog.shutdownNow();
  }
}
