package dev.gretun.core.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartupWatchTest {
  @TempDir Path dir;

  @Test
  void aStalledPhaseLeavesAThreadDumpThatShowsWhereItWaits() throws Exception {
    try (StartupWatch watch = new StartupWatch(Duration.ofMillis(50), dir)) {
      watch.phase("register");
      List<Path> dumps = awaitDumps(1);
      Path dump = dumps.getFirst();
      assertTrue(
          dump.getFileName().toString().startsWith("startup-stall-register-"), dump.toString());
      String text = Files.readString(dump);
      // this thread, stuck in the phase, is in the dump with its frames
      assertTrue(text.contains("aStalledPhaseLeavesAThreadDumpThatShowsWhereItWaits"), text);
      assertEquals(
          PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(dump));
      // the watchdog keeps watching the same phase, but stops at MAX_DUMPS
      awaitDumps(StartupWatch.MAX_DUMPS);
      Thread.sleep(300);
      assertEquals(StartupWatch.MAX_DUMPS, dumps().size());
    }
  }

  @Test
  void phasesThatEndInTimeLeaveNoDump() throws Exception {
    StartupWatch watch = new StartupWatch(Duration.ofMillis(200), dir);
    watch.phase("keys");
    watch.phase("register");
    watch.done();
    Thread.sleep(500);
    assertEquals(List.of(), dumps());
  }

  private List<Path> awaitDumps(int n) throws Exception {
    for (int i = 0; i < 200; i++) {
      List<Path> d = dumps();
      if (d.size() >= n) {
        return d;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("fewer than " + n + " dumps after 10 s: " + dumps());
  }

  private List<Path> dumps() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }
}
