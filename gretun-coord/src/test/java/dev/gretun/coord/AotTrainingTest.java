package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator's AOT training ({@code gretun-coord-serve.aot}) serves every connect it
 * rehearses: registrations with a join key, endpoints, a peers long-poll woken by the second node,
 * a signal queued and pulled. A training that stopped early would only leave a smaller cache,
 * silently.
 */
class AotTrainingTest {
  @Test
  void theTrainingCoordinatorServesEveryConnect(@TempDir Path dir) throws Exception {
    assertEquals(AotTraining.ROUNDS, AotTraining.serve(dir));
  }
}
