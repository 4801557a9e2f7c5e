package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.coord.CoordClient;
import dev.gretun.core.coord.CoordException;
import dev.gretun.core.coord.CoordWatch;
import dev.gretun.core.coord.CoordWire.Envelope;
import dev.gretun.core.coord.CoordWire.PeersResponse;
import dev.gretun.core.keys.Ed25519Keys;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Long-polls wake on change; timeouts answer with the same cursor; per-node poll limit. */
class LongPollTest {
  @TempDir Path dir;

  @Test
  void peersLongPollWakesOnRegistration() throws Exception {
    try (TestCoord coord = TestCoord.builder(dir).longPoll(Duration.ofSeconds(60)).start();
        CoordClient a = coord.client("alpha", null);
        CoordClient b = coord.client("beta", null)) {
      a.register();
      PeersResponse first = a.peers(null);
      CompletableFuture<PeersResponse> waiting =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return a.peers(first.cursor());
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });
      awaitWaiting(coord, 1);
      assertFalse(waiting.isDone());
      b.register();
      // The poll is held for 60 s; answering within 20 s proves the registration woke it.
      PeersResponse woke = waiting.get(20, TimeUnit.SECONDS);
      assertFalse(woke.full());
      assertEquals(List.of("beta"), woke.peers().stream().map(p -> p.nodeName()).toList());
    }
  }

  @Test
  void peersLongPollTimesOutWithSameCursor() throws Exception {
    try (TestCoord coord = TestCoord.builder(dir).longPoll(Duration.ofMillis(300)).start();
        CoordClient a = coord.client("alpha", null)) {
      a.register();
      PeersResponse first = a.peers(null);
      PeersResponse again = a.peers(first.cursor());
      assertEquals(first.cursor(), again.cursor());
      assertFalse(again.full());
      assertTrue(again.peers().isEmpty());
    }
  }

  @Test
  void signalPullWakesOnSend() throws Exception {
    byte[] discoB = TestCoord.randomKey();
    try (TestCoord coord = TestCoord.builder(dir).longPoll(Duration.ofSeconds(60)).start();
        CoordClient a = coord.client("alpha", null);
        CoordClient b = coord.client("beta", null, Ed25519Keys.generate(), discoB)) {
      a.register();
      b.register();
      LinkedBlockingQueue<Envelope> got = new LinkedBlockingQueue<>();
      try (CoordWatch w = CoordWatch.signals(b, CoordWatch.defaultBackoff(), got::add)) {
        awaitWaiting(coord, 1, "signal");
        a.sendSignal(discoB, new byte[] {9});
        Envelope e = got.poll(20, TimeUnit.SECONDS);
        assertEquals("CQ==", e.sealed());
        assertEquals(a.nodeKey(), e.fromNode());
      }
    }
  }

  @Test
  void tooManyConcurrentPollsPerNodeIs429() throws Exception {
    try (TestCoord coord = TestCoord.builder(dir).longPoll(Duration.ofSeconds(60)).start()) {
      KeyPair kp = Ed25519Keys.generate();
      try (CoordClient a = coord.client("alpha", null, kp, TestCoord.randomKey())) {
        a.register();
        String cursor = a.peers(null).cursor();
        int limit = coord.config.limits().pollsPerNode();
        List<CompletableFuture<PeersResponse>> held = new java.util.ArrayList<>();
        for (int i = 0; i < limit; i++) {
          held.add(
              CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return a.peers(cursor);
                    } catch (Exception e) {
                      throw new RuntimeException(e);
                    }
                  }));
        }
        awaitWaiting(coord, limit);
        CoordException e =
            org.junit.jupiter.api.Assertions.assertThrows(
                CoordException.class, () -> a.peers(cursor));
        assertEquals(429, e.status());
        assertEquals("too_many_polls", e.code());
        // Graceful shutdown answers the held polls instead of cutting them off.
        coord.server.close();
        for (var f : held) {
          assertEquals(cursor, f.get(10, TimeUnit.SECONDS).cursor());
        }
      }
    }
  }

  static void awaitWaiting(TestCoord coord, int n) throws InterruptedException {
    awaitWaiting(coord, n, "peers");
  }

  static void awaitWaiting(TestCoord coord, int n, String kind) throws InterruptedException {
    var gauge =
        kind.equals("peers")
            ? coord.server.metrics().waitingPeers()
            : coord.server.metrics().waitingSignals();
    for (int i = 0; i < 500 && gauge.get() < n; i++) {
      Thread.sleep(10);
    }
    assertEquals(n, gauge.get(), "waiting " + kind + " polls");
  }
}
