package dev.gretun.cli;

import dev.gretun.core.coord.CoordClient;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.daemon.ConnectRehearsal;
import dev.gretun.core.daemon.DaemonMetrics;
import dev.gretun.core.daemon.localapi.LocalApiClient;
import dev.gretun.core.daemon.localapi.LocalApiServer;
import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.core.keys.KeyStore;
import dev.gretun.core.keys.NodeKeys;
import dev.gretun.core.log.Logging;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.invoke.MethodHandles;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import picocli.CommandLine;

/**
 * The training run behind {@code build/gretun.aot} (Java's AOT cache, JEP 483/514/515; made by
 * {@code scripts/aot-cache.sh}): runs the short commands a user types most, in one JVM, so that the
 * classes they load and link and the methods they run end up in the cache. Every command is
 * read-only: {@code list} and {@code status} ask the kernel, {@code peers} asks a local API server
 * started here on a socket in a temporary directory, and once a socket where nothing listens.
 * Output is discarded; failures (e.g. no netlink in a build sandbox) only make the cache smaller.
 *
 * <p>With the argument {@code up} it trains {@code build/gretun-up.aot}, the cache {@code
 * bin/gretun up} starts with: the {@code up} command's model, and the daemon's start-up phases that
 * need neither root nor a network (the node keys in a temporary state directory, the coordinator
 * client's first exchanges with a {@link TrainingCoordinator} on a loopback port, the local API
 * server, the metrics registry) and, in memory, a connect between two daemon cores ({@link
 * ConnectRehearsal}: peer machines, disco sealing, the data-path probe). Those classes are few in a
 * CLI start, and a cache loads all of its classes at every start, so the CLI keeps a cache of its
 * own.
 */
public final class AotTraining {
  private AotTraining() {}

  public static void main(String[] args) throws IOException, IllegalAccessException {
    // The launcher's main class: one missing from the cache is read from the jar at every start.
    MethodHandles.lookup().ensureInitialized(Main.class);
    Logging.configure(new String[0]);
    PrintWriter discard = new PrintWriter(Writer.nullWriter());
    if (args.length > 0 && args[0].equals("up")) {
      CommandLine up = CommandLines.commandLine("up", "--help"); // the up command's model
      up.setOut(discard);
      up.execute("up", "--help");
      trainDaemonStart();
      return;
    }
    Path dir = Files.createTempDirectory("gretun-aot");
    Path live = dir.resolve("live.sock");
    String none = dir.resolve("none.sock").toString();
    try (LocalApiServer server = LocalApiServer.start(live, request -> List.of())) {
      String sock = server.path().toString();
      List<String[]> runs =
          List.of(
              new String[] {"list", "--json"},
              new String[] {"list"},
              new String[] {"version"},
              new String[] {"version", "--json"},
              new String[] {"--version"},
              new String[] {"peers", "--json", "--control-socket", sock},
              new String[] {"peers", "--control-socket", sock},
              new String[] {"peers", "--json", "--control-socket", none},
              new String[] {"peers", "--control-socket", none},
              new String[] {"status", "gretun-aot-none", "--json"},
              new String[] {"list", "--no-such-option"},
              new String[] {"--help"},
              new String[] {"up", "--help"});
      for (String[] run : runs) {
        QuickCommands.run(run, discard); // a real start tries this first,
        CommandLine cl = CommandLines.commandLine(run); // then builds this for the rest
        cl.setOut(discard);
        cl.setErr(discard);
        cl.execute(run);
      }
    } finally {
      deleteTempDir(dir);
    }
  }

  private static void trainDaemonStart() throws IOException {
    Path dir = Files.createTempDirectory("gretun-aot-up");
    try {
      NodeKeys keys = KeyStore.loadOrCreate(dir, new SecureRandom());
      try (TrainingCoordinator coordinator = TrainingCoordinator.start()) {
        CoordClient.Config config =
            CoordClient.Config.of(
                URI.create("http://127.0.0.1:" + coordinator.port()),
                Ed25519Keys.keyPair(keys.nodePrivate(), keys.nodePublic()),
                keys.discoPublic(),
                "aot",
                null);
        CoordClient.prefetchJson();
        try (CoordClient client = new CoordClient(config)) {
          client.register(); // the exchanges a start makes before its first tunnel
          client.peers(null);
          client.postEndpoints(List.of(new CoordWire.Endpoint("192.0.2.1:7777", "stun")), "easy");
          client.pullSignals();
        } catch (IOException ignored) {
          // a shorter training run: a smaller cache
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      new DaemonMetrics(new DataplaneCounters());
      try {
        ConnectRehearsal.run(); // the peer machines, disco sealing and ciphers of a connect
      } catch (RuntimeException e) {
        // a smaller cache (TwoDaemonsTest runs the same rehearsal and fails on it)
      }
      Path sock = dir.resolve("api.sock");
      try (LocalApiServer server = LocalApiServer.start(sock, request -> List.of())) {
        LocalApiClient.call(server.path(), "peers");
      }
    } finally {
      deleteTempDir(dir);
    }
  }

  /**
   * Deletes a training run's temporary directory and the files in it (it has no subdirectories).
   */
  private static void deleteTempDir(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
    }
    Files.deleteIfExists(dir);
  }
}
