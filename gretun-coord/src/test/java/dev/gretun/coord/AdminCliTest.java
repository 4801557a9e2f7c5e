package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.coord.http.ApiRequest;
import dev.gretun.coord.http.ApiResponse;
import dev.gretun.core.coord.CoordClient;
import dev.gretun.core.coord.CoordWire.PeersResponse;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** keys/nodes subcommands on the same state dir while the server runs. */
class AdminCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  record Run(int exit, String out, String err) {}

  private Run run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void keysCreateListRevoke() throws Exception {
    Run created =
        run(
            "keys",
            "create",
            "--reusable",
            "--expires",
            "7d",
            "--json",
            "--state-dir",
            dir.toString());
    assertEquals(0, created.exit(), created.err());
    JsonNode c = JSON.readTree(created.out());
    String id = c.get("id").asText();
    assertTrue(c.get("key").asText().startsWith("gjk-" + id + "-"));
    assertTrue(c.get("reusable").asBoolean());
    assertTrue(c.has("expires_at"));

    Run list = run("keys", "list", "--json", "--state-dir", dir.toString());
    JsonNode l = JSON.readTree(list.out());
    assertEquals(1, l.size());
    assertEquals("valid", l.get(0).get("status").asText());
    assertFalse(list.out().contains(c.get("key").asText()), "list must not show secrets");

    assertEquals(0, run("keys", "revoke", id, "--state-dir", dir.toString()).exit());
    assertEquals(
        "revoked",
        JSON.readTree(run("keys", "list", "--json", "--state-dir", dir.toString()).out())
            .get(0)
            .get("status")
            .asText());
    Run missing = run("keys", "revoke", "ffffffff", "--state-dir", dir.toString());
    assertEquals(1, missing.exit());
    assertTrue(missing.err().contains("no join key"), missing.err());
    assertEquals(
        2, run("keys", "create", "--expires", "soon", "--state-dir", dir.toString()).exit());
  }

  @Test
  void sharedOptionsApplyAtEveryLevelAndTheNearestWins() throws Exception {
    Path other = dir.resolve("other");
    assertEquals(0, run("--state-dir", dir.toString(), "keys", "create", "--json").exit());
    assertEquals(
        1,
        JSON.readTree(run("--json", "--state-dir", dir.toString(), "keys", "list").out()).size());
    assertEquals(
        1,
        JSON.readTree(run("keys", "--json", "--state-dir", dir.toString(), "list").out()).size());
    Run nearest =
        run(
            "--state-dir",
            dir.toString(),
            "keys",
            "list",
            "--json",
            "--state-dir",
            other.toString());
    // The nearest --state-dir is the one used: it has no store, which is refused.
    assertEquals(1, nearest.exit(), nearest.err());
    assertTrue(nearest.err().contains(other.resolve("coord.db").toString()), nearest.err());
    assertEquals(
        2,
        run("--state-dir", dir.toString(), "--state-dir", other.toString(), "keys", "list").exit());
  }

  @Test
  void badServeFlagsAreUsageErrors() {
    assertEquals(2, run("--pool", "100.64.0.1/24", "--state-dir", dir.toString()).exit());
    assertEquals(2, run("--listen", "nope", "--state-dir", dir.toString()).exit());
    assertEquals(2, run("--stun-advertise", "x", "--state-dir", dir.toString()).exit());
  }

  @Test
  void nodesRemoveWhileServingReachesPeers() throws Exception {
    try (TestCoord coord = TestCoord.builder(dir).longPoll(Duration.ofSeconds(60)).start();
        CoordClient a = coord.client("alpha", null);
        CoordClient b = coord.client("beta", null)) {
      a.register();
      b.register();
      Run list = run("nodes", "list", "--json", "--state-dir", dir.toString());
      JsonNode nodes = JSON.readTree(list.out());
      assertEquals(2, nodes.size());
      assertEquals("100.64.0.3", nodes.get(1).get("tunnel_ip").asText());

      String cursor = a.peers(null).cursor();
      CompletableFuture<PeersResponse> waiting =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return a.peers(cursor);
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });
      LongPollTest.awaitWaiting(coord, 1);
      Run removed = run("nodes", "remove", "beta", "--state-dir", dir.toString());
      assertEquals(0, removed.exit(), removed.err());
      PeersResponse delta = waiting.get(20, TimeUnit.SECONDS);
      assertEquals(List.of(b.nodeKey()), delta.removed());
      assertEquals(1, run("nodes", "remove", "beta", "--state-dir", dir.toString()).exit());
    }
  }

  @Test
  void debugPeersNeedsTheAdminTokenEvenFromLoopback() throws Exception {
    String token = "0123456789abcdef-token";
    var loopback = new InetSocketAddress("127.0.0.1", 40000);
    var remote = new InetSocketAddress("192.0.2.10", 40000);
    try (TestCoord coord = TestCoord.builder(dir).adminToken(token).start()) {
      for (var client : List.of(loopback, remote)) {
        ApiResponse denied =
            coord.server.api().handle(debug(client, null)).get(5, TimeUnit.SECONDS);
        assertEquals(403, denied.status());
        ApiResponse wrong =
            coord.server.api().handle(debug(client, "Bearer nope")).get(5, TimeUnit.SECONDS);
        assertEquals(403, wrong.status());
        ApiResponse ok =
            coord.server.api().handle(debug(client, "Bearer " + token)).get(5, TimeUnit.SECONDS);
        assertEquals(200, ok.status());
      }
    }
  }

  @Test
  void debugPeersIsOffWithoutAnAdminToken() throws Exception {
    try (TestCoord coord = TestCoord.builder(dir).start()) {
      var loopback = new InetSocketAddress("127.0.0.1", 40000);
      ApiResponse r =
          coord.server.api().handle(debug(loopback, "Bearer anything")).get(5, TimeUnit.SECONDS);
      assertEquals(403, r.status());
      assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("--admin-token-file"));
    }
  }

  private static ApiRequest debug(InetSocketAddress remote, String authorization) {
    Map<String, String> h =
        authorization == null ? Map.of() : Map.of("Authorization", authorization);
    return new ApiRequest(
        "GET", "/debug/peers", "/debug/peers", Map.of(), h::get, new byte[0], remote);
  }
}
