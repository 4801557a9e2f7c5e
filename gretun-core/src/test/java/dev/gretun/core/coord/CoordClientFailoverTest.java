package dev.gretun.core.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.gretun.core.keys.Ed25519Keys;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link CoordClient} with several URLs against loopback HTTP servers: the failover of {@link
 * CoordFailover} is wired into every request, and each replica gets a request signed for it.
 */
class CoordClientFailoverTest {
  private static final String REGISTERED =
      """
      {"node_key":"k","tunnel_ip":"100.64.0.7","prefix_length":24,"pool":"100.64.0.0/24",\
      "stun":[],"cursor":"c1","created":false,"long_poll_seconds":25,"relay":null}""";
  private static final String PEERS =
      """
      {"cursor":"c2","full":true,"peers":[],"removed":[]}""";

  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final List<String> hostsAtB = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stop() {
    release.countDown();
    servers.forEach(s -> s.stop(0));
  }

  /** A replica answering every request with {@code status} and {@code body}. */
  private URI replica(int status, String body) throws IOException {
    return server(
        ex -> {
          hostsAtB.add(ex.getRequestHeaders().getFirst("Host"));
          reply(ex, status, body);
        });
  }

  private URI server(Handler handler) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    s.createContext(
        "/",
        ex -> {
          try {
            handler.handle(ex);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            ex.close();
          }
        });
    s.start();
    servers.add(s);
    return URI.create("http://127.0.0.1:" + s.getAddress().getPort());
  }

  @FunctionalInterface
  private interface Handler {
    void handle(HttpExchange ex) throws IOException, InterruptedException;
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  /** A loopback URL nothing listens on: connecting is refused. */
  private static URI deadUrl() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + s.getLocalPort());
    }
  }

  private static CoordClient client(List<URI> urls) {
    return new CoordClient(
        CoordClient.Config.of(urls, Ed25519Keys.generate(), new byte[32], "n1", null));
  }

  @Test
  void aRefusedConnectionAndA503AreSkippedAndTheRequestIsSignedForTheReplicaThatAnswers()
      throws Exception {
    URI dead = deadUrl();
    URI gone = server(ex -> reply(ex, 503, "<html>no backend</html>"));
    URI b = replica(200, REGISTERED);
    try (CoordClient c = client(List.of(dead, gone, b))) {
      assertEquals("100.64.0.7", c.register().tunnelIp());
      assertEquals(b, c.coordinator());
      assertEquals(List.of(b.getAuthority()), hostsAtB);
    }
  }

  @Test
  void aClientErrorIsAnAnswerAndTheNextReplicaIsNotAsked() throws Exception {
    URI a = server(ex -> reply(ex, 403, "{\"error\":\"join key refused\",\"code\":\"bad_join\"}"));
    URI b = replica(200, REGISTERED);
    try (CoordClient c = client(List.of(a, b))) {
      CoordException e = assertThrows(CoordException.class, c::register);
      assertEquals(403, e.status());
      assertEquals("bad_join", e.code());
      assertEquals(a, c.coordinator());
      assertEquals(List.of(), hostsAtB);
    }
  }

  @Test
  void aLongPollHeldByAReplicaThatDiesContinuesAtTheNext() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    URI a =
        server(
            ex -> {
              held.countDown();
              release.await();
            });
    URI b = replica(200, PEERS);
    try (CoordClient c = client(List.of(a, b))) {
      CompletableFuture<CoordWire.PeersResponse> poll =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return c.peers("c1");
                } catch (IOException | InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              });
      assertTrue(held.await(10, TimeUnit.SECONDS), "the poll reached A");
      servers.get(0).stop(0); // A goes away with the poll in flight
      CoordWire.PeersResponse r = poll.get(20, TimeUnit.SECONDS);
      assertEquals("c2", r.cursor());
      assertEquals(b, c.coordinator());
    }
  }

  @Test
  void whenEveryReplicaIsDownTheWatchBacksOffAsWithOne() throws Exception {
    Backoff backoff =
        new Backoff(
            Duration.ofMillis(20),
            Duration.ofMillis(40),
            java.util.random.RandomGenerator.getDefault());
    try (CoordClient c = client(List.of(deadUrl(), deadUrl()))) {
      CoordWatch w = CoordWatch.peers(c, backoff, r -> {});
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (backoff.failures() < 3 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertTrue(backoff.failures() >= 3, "failures: " + backoff.failures());
      } finally {
        w.close();
      }
    }
  }
}
