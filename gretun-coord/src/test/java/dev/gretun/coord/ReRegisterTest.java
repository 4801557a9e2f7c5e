package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.coord.CoordClient;
import dev.gretun.core.coord.CoordWatch;
import dev.gretun.core.coord.CoordWire.PeersResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client registers again on its own when the coordinator forgot it. */
class ReRegisterTest {
  @TempDir Path dir;

  @Test
  void clientReRegistersAfterCoordinatorLostItsState() throws Exception {
    TestCoord first = TestCoord.builder(dir.resolve("a")).longPoll(Duration.ofMillis(500)).start();
    int port = first.port();
    try (CoordClient c = first.client("alpha", null)) {
      c.register();
      c.postEndpoints(java.util.List.of(), null);
      first.close();
      // Same address, empty state: the coordinator no longer knows the node.
      try (TestCoord second =
          TestCoord.builder(dir.resolve("b")).port(port).longPoll(Duration.ofMillis(500)).start()) {
        PeersResponse p = c.peers(null);
        assertEquals(2, c.registrations());
        assertTrue(p.full());
        assertEquals("alpha", p.peers().get(0).nodeName());
        assertTrue(c.postEndpoints(java.util.List.of(), null).ok());
      }
    }
  }

  @Test
  void watchLoopSurvivesRestartAndOperatorRemoval() throws Exception {
    try (TestCoord coord = TestCoord.builder(dir).longPoll(Duration.ofMillis(500)).start();
        CoordClient c = coord.client("alpha", null)) {
      c.register();
      LinkedBlockingQueue<PeersResponse> updates = new LinkedBlockingQueue<>();
      try (CoordWatch w = CoordWatch.peers(c, CoordWatch.defaultBackoff(), updates::add)) {
        assertTrue(updates.poll(10, TimeUnit.SECONDS).full());
        coord.store.removeNode("alpha");
        // The server notices the out-of-band removal (store version poll) and the client is told
        // it is unknown, so it registers again and receives a fresh list.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (c.registrations() < 2 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertEquals(2, c.registrations());
      }
    }
  }
}
