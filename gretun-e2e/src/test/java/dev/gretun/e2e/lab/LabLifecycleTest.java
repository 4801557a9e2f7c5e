package dev.gretun.e2e.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.e2e.Launchers;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bringing labs up and down: nothing is left behind, and labs of dead owners are removed. */
class LabLifecycleTest {
  private static final int NODES = 7;

  @BeforeAll
  static void needsRoot() throws Exception {
    LabExtension.requireRootAndTools();
  }

  @Test
  void closeKillsEverythingInsideAndRemovesEveryNamespace() throws Exception {
    Lab lab = Lab.up();
    String prefix = lab.prefix();
    Process stray;
    try {
      assertEquals(NODES, Lab.namespaces(prefix).size(), Lab.namespaces(prefix).toString());
      // Started behind the lab's back: down must still kill it.
      stray =
          new ProcessBuilder("ip", "netns", "exec", lab.namespace(Lab.B), "sleep", "300").start();
      assertTrue(stray.isAlive());
    } finally {
      lab.close();
    }
    assertEquals(List.of(), Lab.namespaces(prefix));
    assertTrue(stray.waitFor(5, TimeUnit.SECONDS), "process inside the lab survived down");
    lab.close();
    Launchers.Result again =
        Lab.run(List.of(Lab.script().toString(), "--prefix", prefix, "down"), Map.of());
    assertEquals(0, again.exit(), "down is idempotent: " + again.stderr());
  }

  @Test
  void upRemovesLabsOfDeadOwnersButNotOfLiveOnes() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String stale = scriptUp(gone.pid());
    String live = scriptUp(ProcessHandle.current().pid());
    try (Lab lab = Lab.up()) {
      assertEquals(List.of(), Lab.namespaces(stale), "stale lab of a dead owner must be removed");
      assertEquals(NODES, Lab.namespaces(live).size(), "a live owner's lab must be kept");
      assertFalse(lab.prefix().equals(live) || lab.prefix().equals(stale));
    } finally {
      for (String p : List.of(stale, live)) {
        Lab.run(List.of(Lab.script().toString(), "--prefix", p, "down"), Map.of());
      }
    }
    assertEquals(List.of(), Lab.namespaces(live));
  }

  private static String scriptUp(long owner) throws Exception {
    Launchers.Result r =
        Lab.run(List.of(Lab.script().toString(), "up"), Map.of("LAB_OWNER", Long.toString(owner)));
    assertEquals(0, r.exit(), r.stderr());
    return r.stdout().strip();
  }
}
