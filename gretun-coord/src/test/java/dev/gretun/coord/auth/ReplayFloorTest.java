package dev.gretun.coord.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplayFloorTest {
  private static final long START = 1_000_000;

  @Test
  void refusesAtOrBelowTheStoredFloorWhileAPreRestartRequestCouldStillBeFresh() {
    ReplayFloor f = new ReplayFloor(Map.of("n", START - 5), START, 60);
    assertTrue(f.refuses("n", START - 5, START));
    assertTrue(f.refuses("n", START - 30, START));
    assertFalse(f.refuses("n", START - 4, START)); // newer than anything accepted before
    assertFalse(f.refuses("other", START - 5, START)); // no floor: a new node
  }

  @Test
  void aFloorAboveTheStartIsHonouredUpToStartPlusWindow() {
    // A node whose clock ran 50 s ahead wrote at START + 50 just before the restart.
    ReplayFloor f = new ReplayFloor(Map.of("n", START + 50), START, 60);
    assertTrue(f.refuses("n", START + 50, START + 1));
    assertFalse(f.refuses("n", START + 51, START + 1));
  }

  @Test
  void floorsAreDroppedOnceNoTimestampInTheWindowCanBeOld() {
    ReplayFloor f = new ReplayFloor(Map.of("n", START), START, 60);
    assertFalse(f.refuses("n", START + 61, START + 100));
    assertEquals(1, f.size());
    assertFalse(f.refuses("n", START + 200, START + 200));
    assertEquals(0, f.size());
  }
}
