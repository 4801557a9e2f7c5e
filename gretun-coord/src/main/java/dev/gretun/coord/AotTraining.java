package dev.gretun.coord;

import dev.gretun.coord.http.CoordServer;
import dev.gretun.coord.store.CoordStore;
import dev.gretun.coord.store.IpPool;
import dev.gretun.coord.store.SqliteCoordStore;
import dev.gretun.coord.stun.StunService;
import dev.gretun.coord.tls.ServerTls;
import dev.gretun.core.coord.CoordClient;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.core.log.Logging;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * The training run behind {@code build/gretun-coord.aot} (Java's AOT cache, JEP 483/514/515; made
 * by {@code scripts/aot-cache.sh}): the command line's model ({@code --help}), then a coordinator
 * on a loopback port over a SQLite store in a temporary directory serving what nodes ask at their
 * start: join-key registrations, endpoints, peer lists (a long-poll woken by a change), a signal
 * queued and pulled. A restarted coordinator then answers its first nodes with those classes
 * loaded, linked and profiled instead of reading the jar while they wait (docs/BENCH.md "Connect
 * time"). Failures only make the cache smaller.
 */
public final class AotTraining {
  static final int ROUNDS = 5;

  private AotTraining() {}

  public static void main(String[] args) throws Exception {
    Logging.configure(new String[0]);
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(Writer.nullWriter()));
    cl.execute("--help");
    Path dir = Files.createTempDirectory("gretun-coord-aot");
    try {
      serve(dir);
    } catch (IOException | RuntimeException e) {
      System.err.println("aot-training: serving stopped early (a smaller cache): " + e);
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** Serves {@link #ROUNDS} connects of two fresh nodes; returns how many completed. */
  static int serve(Path dir) throws IOException, InterruptedException {
    CoordStore store = SqliteCoordStore.open(dir);
    CoordConfig config =
        new CoordConfig(
            new InetSocketAddress("127.0.0.1", 0),
            IpPool.parse("100.64.0.0/24"),
            dir,
            true,
            Duration.ofSeconds(2),
            List.of(),
            List.of(),
            null,
            CoordConfig.Limits.defaults(),
            null,
            ServerTls.plainHttp(),
            null);
    try (CoordServer server =
        CoordServer.start(config, store, StunService.OFF, InstantSource.system())) {
      URI uri = URI.create("http://127.0.0.1:" + server.address().getPort());
      String joinKey = store.createJoinKey(true, null, Instant.now()).secret();
      int done = 0;
      for (int i = 0; i < ROUNDS; i++) {
        byte[] bDisco = randomKey();
        try (CoordClient a = client(uri, "a" + i, joinKey, randomKey());
            CoordClient b = client(uri, "b" + i, joinKey, bDisco)) {
          if (connect(a, b, bDisco)) {
            done++;
          }
        }
      }
      return done;
    }
  }

  /**
   * What two nodes starting one after the other ask, in the order they ask it; true when b pulled
   * the signal a sent it.
   */
  private static boolean connect(CoordClient a, CoordClient b, byte[] bDisco)
      throws IOException, InterruptedException {
    a.register();
    a.postEndpoints(List.of(new CoordWire.Endpoint("192.0.2.1:7777", "stun")), "easy");
    String cursor = a.peers(null).cursor();
    Thread waiting =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    a.peers(cursor); // held until b's registration changes the list
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    b.register();
    b.peers(null);
    b.postEndpoints(List.of(new CoordWire.Endpoint("198.51.100.2:7777", "stun")), "hard");
    waiting.join();
    a.sendSignal(bDisco, new byte[64]);
    return b.pullSignals().size() == 1;
  }

  private static byte[] randomKey() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return b;
  }

  private static CoordClient client(URI uri, String name, String joinKey, byte[] disco) {
    return new CoordClient(
        CoordClient.Config.of(uri, Ed25519Keys.generate(), disco, name, joinKey));
  }
}
