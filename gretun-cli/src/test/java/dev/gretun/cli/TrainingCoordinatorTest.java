package dev.gretun.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.coord.CoordClient;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.keys.Ed25519Keys;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The AOT training run trains the coordinator client's response path only if its stand-in answers
 * every request the way the client can parse (a failed exchange is skipped silently there).
 */
class TrainingCoordinatorTest {
  @Test
  void theClientParsesEveryAnswerOfTheTrainingRunsCoordinator() throws Exception {
    try (TrainingCoordinator coordinator = TrainingCoordinator.start();
        CoordClient client =
            new CoordClient(
                CoordClient.Config.of(
                    URI.create("http://127.0.0.1:" + coordinator.port()),
                    Ed25519Keys.generate(),
                    new byte[32],
                    "aot-test",
                    null))) {
      assertEquals("100.64.0.2", client.register().tunnelIp());
      CoordWire.PeersResponse peers = client.peers(null);
      assertTrue(peers.full());
      assertEquals(1, peers.peers().size());
      assertTrue(
          client
              .postEndpoints(List.of(new CoordWire.Endpoint("192.0.2.1:7777", "stun")), "easy")
              .ok());
      assertEquals(1, client.pullSignals().size());
    }
  }
}
