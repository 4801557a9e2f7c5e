package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.coord.pg.TestDatabases;
import dev.gretun.coord.store.PostgresCoordStore;
import dev.gretun.coord.store.StoreLocation;
import dev.gretun.core.coord.CoordClient;
import dev.gretun.core.coord.CoordWire.Envelope;
import dev.gretun.core.coord.CoordWire.PeersResponse;
import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.core.testing.TestPostgres;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two coordinator servers (replicas) on one PostgreSQL database. */
class ReplicasTest {
  @TempDir Path dirA;
  @TempDir Path dirB;
  TestCoord a;
  TestCoord b;

  @BeforeEach
  void start() {
    StoreLocation.Postgres db = TestDatabases.newDatabase();
    a = replica(dirA, db);
    b = replica(dirB, db);
  }

  private static TestCoord replica(Path dir, StoreLocation.Postgres db) {
    return TestCoord.builder(dir)
        .joinKeys(true)
        .longPoll(Duration.ofSeconds(3))
        .store(() -> PostgresCoordStore.open(db, TestPostgres.PASSWORD))
        .start();
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
  }

  @Test
  void aNodeRegisteredAtASeesPeersAndSignalsThroughB() throws Exception {
    String key = a.newJoinKey(true); // created through A, used at B
    byte[] discoY = TestCoord.randomKey();
    KeyPair x = Ed25519Keys.generate();
    byte[] discoX = TestCoord.randomKey();
    try (CoordClient xAtA = a.client("x", key, x, discoX);
        CoordClient yAtB = b.client("y", key, Ed25519Keys.generate(), discoY);
        CoordClient xAtB = b.client("x", key, x, discoX)) {
      xAtA.register();
      yAtB.register();
      PeersResponse seen = xAtB.peers(null);
      assertEquals(2, seen.peers().size());
      // Held at B, woken by a registration at A.
      PeersResponse before = yAtB.peers(null);
      CompletableFuture<PeersResponse> held =
          CompletableFuture.supplyAsync(() -> call(() -> yAtB.peers(before.cursor())));
      Thread.sleep(300);
      long t0 = System.nanoTime();
      try (CoordClient z = a.client("z", key)) {
        z.register();
        PeersResponse delta = held.get(5, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(List.of("z"), delta.peers().stream().map(p -> p.nodeName()).toList());
        assertTrue(ms < 1000, "long-poll at B woke after " + ms + " ms");
      }
      // A signal posted to A, pulled (long-poll held) at B.
      CompletableFuture<List<Envelope>> pull =
          CompletableFuture.supplyAsync(() -> call(yAtB::pullSignals));
      Thread.sleep(300);
      xAtA.sendSignal(discoY, new byte[] {1, 2, 3});
      List<Envelope> got = pull.get(5, TimeUnit.SECONDS);
      assertEquals(1, got.size());
      assertEquals(xAtA.nodeKey(), got.get(0).fromNode());
      assertEquals(Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}), got.get(0).sealed());
      // Taken once: nothing left at either replica.
      xAtA.sendSignal(discoY, new byte[] {4});
      assertEquals(1, yAtB.pullSignals().size());
    }
  }

  @Test
  void mailboxQuotasHoldAcrossReplicas() throws Exception {
    String key = a.newJoinKey(true);
    byte[] discoY = TestCoord.randomKey();
    KeyPair x = Ed25519Keys.generate();
    byte[] discoX = TestCoord.randomKey();
    try (CoordClient y = b.client("y", key, Ed25519Keys.generate(), discoY);
        CoordClient xa = a.client("x", key, x, discoX)) {
      y.register();
      xa.register();
      try (CoordClient xb = b.client("x", key, x, discoX)) {
        for (int i = 0; i < 12; i++) { // one sender through both replicas: 8 kept, newest
          (i % 2 == 0 ? xa : xb).sendSignal(discoY, new byte[] {(byte) i});
        }
      }
      List<Envelope> got = y.pullSignals();
      assertEquals(8, got.size());
      assertEquals(Base64.getEncoder().encodeToString(new byte[] {4}), got.get(0).sealed());
      assertEquals(Base64.getEncoder().encodeToString(new byte[] {11}), got.get(7).sealed());
    }
  }

  @Test
  void aRequestAcceptedByAIsRefusedAsAReplayByB() throws Exception {
    KeyPair kp = Ed25519Keys.generate();
    String hostA = "127.0.0.1:" + a.port(); // replicas behind one name share the signed Host
    try (SignedHttp httpA = new SignedHttp(a.uri())) {
      String reg = SignedHttp.registerBody("n", TestCoord.randomKey(), a.newJoinKey(true));
      assertEquals(200, httpA.signed(kp, "POST", "/v1/register", reg).status());
      b.server.registry().refresh();
      for (String[] req :
          new String[][] {
            {"POST", "/v1/endpoints", "{\"endpoints\":[{\"addr\":\"198.51.100.1:7777\"}]}"},
            {"GET", "/v1/signal", ""} // held for the 3 s long-poll
          }) {
        byte[] body = req[2].getBytes(StandardCharsets.UTF_8);
        long ts = Instant.now().getEpochSecond();
        // Control: a request A never saw is accepted by B under A's Host.
        var fresh = SignedHttp.authHeaders(kp, ts, req[0], hostA, req[1], body);
        assertEquals(200, rawStatus(b.port(), hostA, req[0], req[1], req[2], fresh), req[1]);
        var captured = SignedHttp.authHeaders(kp, ts, req[0], hostA, req[1], body);
        assertEquals(200, httpA.send(req[0], req[1], req[2], captured).status(), req[1]);
        assertEquals(401, rawStatus(b.port(), hostA, req[0], req[1], req[2], captured), req[1]);
      }
    }
  }

  /** Sends one HTTP/1.1 request with a Host header of our choosing; returns the status. */
  private static int rawStatus(
      int port, String host, String method, String target, String body, Map<String, String> h)
      throws Exception {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(host).append("\r\nConnection: close\r\n");
    head.append("Content-Length: ").append(b.length).append("\r\n");
    if (b.length > 0) {
      head.append("Content-Type: application/json\r\n");
    }
    h.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("\r\n");
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(15_000);
      s.getOutputStream().write(head.toString().getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().write(b);
      s.getOutputStream().flush();
      String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      return Integer.parseInt(status.substring(9, 12));
    }
  }

  interface Call<T> {
    T run() throws Exception;
  }

  private static <T> T call(Call<T> c) {
    try {
      return c.run();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
