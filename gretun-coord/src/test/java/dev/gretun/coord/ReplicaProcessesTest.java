package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.coord.pg.TestDatabases;
import dev.gretun.coord.store.StoreLocation;
import dev.gretun.core.coord.CoordClient;
import dev.gretun.core.coord.CoordWire.Envelope;
import dev.gretun.core.coord.CoordWire.PeersResponse;
import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.core.testing.TestPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code gretun-coord} processes on one PostgreSQL database, started from the command line as
 * an operator would ({@code --store postgres://…}, password in a file); one is killed with SIGKILL.
 */
class ReplicaProcessesTest {
  @TempDir Path dir;
  private final List<Process> procs = new ArrayList<>();

  @AfterEach
  void stop() {
    procs.forEach(Process::destroyForcibly);
  }

  private int startReplica(String store, Path passwordFile, String name) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.gretun.coord.Main",
                "--listen",
                "127.0.0.1:" + port,
                "--store",
                store,
                "--store-password-file",
                passwordFile.toString(),
                "--insecure-http",
                "--no-auth-keys",
                "--stun-listen",
                "off",
                "--metrics-listen",
                "off",
                "--long-poll",
                "20s")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile())
            .start();
    procs.add(p);
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      assertTrue(p.isAlive(), name + " exited: " + Files.readString(dir.resolve(name + ".log")));
      try {
        var r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return port;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        name + " did not start: " + Files.readString(dir.resolve(name + ".log")));
  }

  private static CoordClient client(int port, String name, KeyPair kp, byte[] disco) {
    return new CoordClient(
        CoordClient.Config.of(URI.create("http://127.0.0.1:" + port), kp, disco, name, null));
  }

  @Test
  void replicasShareNodesAndSignalsAndSurviveAKill() throws Exception {
    StoreLocation.Postgres db = TestDatabases.newDatabase();
    Path pw = dir.resolve("pgpass");
    Files.writeString(pw, TestPostgres.PASSWORD + "\n");
    Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
    String store = db.toString();
    int portA = startReplica(store, pw, "a");
    int portB = startReplica(store, pw, "b");

    // Concurrent registrations on both replicas: every node gets its own tunnel address.
    ExecutorService ex = Executors.newFixedThreadPool(8);
    List<Future<String>> ips = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      int port = i % 2 == 0 ? portA : portB;
      String name = "n" + i;
      ips.add(
          ex.submit(
              () -> {
                try (CoordClient c =
                    client(port, name, Ed25519Keys.generate(), TestCoord.randomKey())) {
                  return c.register().tunnelIp();
                }
              }));
    }
    Set<String> distinct = new HashSet<>();
    for (Future<String> f : ips) {
      assertTrue(distinct.add(f.get(60, TimeUnit.SECONDS)), "tunnel address handed out twice");
    }
    ex.shutdown();
    assertEquals(40, distinct.size());

    KeyPair y = Ed25519Keys.generate();
    byte[] discoY = TestCoord.randomKey();
    try (CoordClient x = client(portB, "x", Ed25519Keys.generate(), TestCoord.randomKey());
        CoordClient yAtA = client(portA, "y", y, discoY)) {
      x.register();
      yAtA.register();
      // y waits for signals at A; A dies mid long-poll.
      CompletableFuture<List<Envelope>> held =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return yAtA.pullSignals();
                } catch (Exception e) {
                  return null; // the connection died with A
                }
              });
      Thread.sleep(500);
      procs.get(0).destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL
      assertTrue(held.get(30, TimeUnit.SECONDS) == null || held.get().isEmpty());
      x.sendSignal(discoY, new byte[] {42}); // acknowledged by B while A is down
      try (CoordClient yAtB = client(portB, "y", y, discoY)) {
        List<Envelope> got = yAtB.pullSignals();
        assertEquals(1, got.size());
        assertEquals(x.nodeKey(), got.get(0).fromNode());
        // Everything A acknowledged before it died is served by B: 40 + x + y.
        PeersResponse peers = yAtB.peers(null);
        assertEquals(42, peers.peers().size());
        assertEquals(yAtA.registration().tunnelIp(), yAtB.register().tunnelIp());
      }
    }
  }
}
