package dev.gretun.core.daemon;

import static dev.gretun.core.daemon.DiscoReplayGuard.Verdict.FRESH;
import static dev.gretun.core.daemon.DiscoReplayGuard.Verdict.FUTURE;
import static dev.gretun.core.daemon.DiscoReplayGuard.Verdict.REPLAYED;
import static dev.gretun.core.daemon.DiscoReplayGuard.Verdict.STALE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class DiscoReplayGuardTest {
  private static final long NOW = 1_700_000_000_000L;
  private final DiscoReplayGuard guard = new DiscoReplayGuard();

  private static byte[] nonce(long n) {
    return ByteBuffer.allocate(24).putLong(8, n).array();
  }

  @Test
  void windowIsSixtySecondsEitherWayInclusive() {
    assertEquals(FRESH, guard.check("p", NOW - 60_000, nonce(1), NOW));
    assertEquals(STALE, guard.check("p", NOW - 60_001, nonce(2), NOW));
    assertEquals(FRESH, guard.check("p", NOW + 60_000, nonce(3), NOW));
    assertEquals(FUTURE, guard.check("p", NOW + 60_001, nonce(4), NOW));
  }

  @Test
  void anExactReplayInsideTheWindowIsRefusedPerPeer() {
    assertEquals(FRESH, guard.check("p", NOW, nonce(1), NOW));
    assertEquals(REPLAYED, guard.check("p", NOW, nonce(1), NOW + 1));
    assertEquals(REPLAYED, guard.check("p", NOW, nonce(1), NOW + 59_999));
    assertEquals(FRESH, guard.check("q", NOW, nonce(1), NOW), "another peer's nonce space");
    // Once outside the window the send time alone refuses it.
    assertEquals(STALE, guard.check("p", NOW, nonce(1), NOW + 60_001));
  }

  @Test
  void memoryIsBoundedAndForgettingNeverAdmitsAReplay() {
    int n = DiscoReplayGuard.MAX_REMEMBERED + 10;
    for (int i = 0; i < n; i++) {
      assertEquals(FRESH, guard.check("p", NOW + i, nonce(i), NOW + i));
    }
    assertEquals(DiscoReplayGuard.MAX_REMEMBERED, guard.remembered("p"));
    // The first ten were forgotten: their send times are at or below the floor now.
    for (int i = 0; i < 10; i++) {
      assertEquals(REPLAYED, guard.check("p", NOW + i, nonce(i), NOW + n));
    }
    assertEquals(REPLAYED, guard.check("p", NOW + n - 1, nonce(n - 1), NOW + n));
    assertEquals(FRESH, guard.check("p", NOW + n, nonce(n), NOW + n), "new ones still pass");
  }

  @Test
  void expiryForgetsWhatTheWindowAlreadyRefuses() {
    guard.check("p", NOW, nonce(1), NOW);
    guard.expire(NOW + 30_000);
    assertEquals(1, guard.remembered("p"), "still inside the window");
    guard.expire(NOW + 60_001);
    assertEquals(0, guard.remembered("p"));
    assertEquals(STALE, guard.check("p", NOW, nonce(1), NOW + 60_001));
  }
}
