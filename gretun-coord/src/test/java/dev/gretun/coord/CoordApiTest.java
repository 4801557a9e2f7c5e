package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gretun.core.coord.CoordClient;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.coord.CoordWire.Endpoint;
import dev.gretun.core.coord.CoordWire.Envelope;
import dev.gretun.core.coord.CoordWire.PeersResponse;
import dev.gretun.core.coord.CoordWire.RegisterResponse;
import dev.gretun.core.keys.Ed25519Keys;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract of every route over real HTTP on loopback. */
class CoordApiTest {
  @TempDir Path dir;
  TestCoord coord;
  SignedHttp http;

  private static final String ADMIN_TOKEN = "0123456789abcdef-admin";

  @BeforeEach
  void start() {
    coord =
        TestCoord.builder(dir)
            .joinKeys(true)
            .stun(new InetSocketAddress("127.0.0.1", 3478))
            .adminToken(ADMIN_TOKEN)
            .metricsListen(new InetSocketAddress("127.0.0.1", 0))
            .start();
    http = new SignedHttp(coord.uri());
  }

  @AfterEach
  void stop() {
    http.close();
    coord.close();
  }

  @Test
  void registerAllocatesStableAddressesAndNamesStun() throws Exception {
    String key = coord.newJoinKey(true);
    KeyPair kp = Ed25519Keys.generate();
    byte[] disco = TestCoord.randomKey();
    try (CoordClient a = coord.client("alpha", key, kp, disco);
        CoordClient b = coord.client("beta", key)) {
      RegisterResponse ra = a.register();
      assertEquals("100.64.0.2", ra.tunnelIp());
      assertEquals(24, ra.prefixLength());
      assertEquals("100.64.0.0/24", ra.pool());
      assertEquals(List.of("127.0.0.1:3478", "127.0.0.1:3479"), ra.stun());
      assertEquals(20, ra.longPollSeconds());
      assertTrue(ra.created());
      assertEquals(a.nodeKey(), ra.nodeKey());
      assertEquals("100.64.0.3", b.register().tunnelIp());
      RegisterResponse again = a.register();
      assertEquals("100.64.0.2", again.tunnelIp());
      assertFalse(again.created());
    }
    // Renaming keeps the address.
    try (CoordClient renamed = coord.client("alpha2", null, kp, disco)) {
      assertEquals("100.64.0.2", renamed.register().tunnelIp());
    }
  }

  @Test
  void endpointsAndPeersFullThenDeltas() throws Exception {
    String key = coord.newJoinKey(true);
    try (CoordClient a = coord.client("alpha", key);
        CoordClient b = coord.client("beta", key)) {
      a.register();
      b.register();
      PeersResponse full = a.peers(null);
      assertTrue(full.full());
      assertEquals(List.of("alpha", "beta"), full.peers().stream().map(p -> p.nodeName()).toList());
      var ep =
          List.of(
              new Endpoint("192.0.2.7:7777", "stun"), new Endpoint("192.168.1.20:7777", "local"));
      assertEquals("unknown", full.peers().get(1).nat(), "no endpoints post yet");
      assertTrue(b.postEndpoints(ep, "cone").ok());
      PeersResponse delta = a.peers(full.cursor());
      assertFalse(delta.full());
      assertEquals(1, delta.peers().size());
      assertEquals("beta", delta.peers().get(0).nodeName());
      assertEquals(ep, delta.peers().get(0).endpoints());
      assertEquals("cone", delta.peers().get(0).nat());
      assertEquals("100.64.0.3", delta.peers().get(0).tunnelIp());
      // Unknown cursors get the full list.
      assertTrue(a.peers("deadbeef-1").full());
      assertTrue(a.peers("garbage").full());
      assertTrue(a.peers(full.cursor().replaceAll("-\\d+$", "-999999")).full());
      // A removal appears in the delta as a removed node key.
      coord.store.removeNode("beta");
      coord.server.registry().refresh();
      PeersResponse afterRemove = a.peers(delta.cursor());
      assertEquals(List.of(b.nodeKey()), afterRemove.removed());
      assertTrue(afterRemove.peers().isEmpty());
    }
  }

  @Test
  void signalRelayDeliversWithSenderFilledByServer() throws Exception {
    String key = coord.newJoinKey(true);
    byte[] discoB = TestCoord.randomKey();
    byte[] discoA = TestCoord.randomKey();
    try (CoordClient a = coord.client("alpha", key, Ed25519Keys.generate(), discoA);
        CoordClient b = coord.client("beta", key, Ed25519Keys.generate(), discoB)) {
      a.register();
      b.register();
      a.sendSignal(discoB, new byte[] {1, 2, 3});
      a.sendSignal(java.util.Base64.getDecoder().decode(b.nodeKey()), new byte[] {4});
      List<Envelope> got = b.pullSignals();
      assertEquals(2, got.size());
      assertEquals(a.nodeKey(), got.get(0).fromNode());
      assertEquals(CoordWire.b64(discoA), got.get(0).fromDisco());
      assertEquals("AQID", got.get(0).sealed());
      assertNotNull(got.get(0).enqueuedAt());
      // Unknown recipients are refused rather than queued forever.
      var r =
          http.signed(
              Ed25519Keys.generate(), "POST", "/v1/signal", "{}"); // unregistered sender first
      assertEquals(401, r.status());
      assertEquals("unknown_node", r.code());
    }
  }

  @Test
  void signalQueueKeeps64AndDropsOldest() throws Exception {
    String key = coord.newJoinKey(true);
    byte[] discoB = TestCoord.randomKey();
    var limits = CoordConfig.Limits.defaults();
    try (CoordClient b = coord.client("beta", key, Ed25519Keys.generate(), discoB)) {
      b.register();
      // 70 senders so the per-sender rate limit does not interfere.
      for (int i = 0; i < 70; i++) {
        try (CoordClient s = coord.client("s" + i, key)) {
          s.register();
          s.sendSignal(discoB, new byte[] {(byte) i});
        }
      }
      List<Envelope> got = b.pullSignals();
      assertEquals(limits.signalsPerRecipient(), got.size());
      assertEquals(
          java.util.Base64.getEncoder().encodeToString(new byte[] {6}), got.get(0).sealed());
    }
  }

  @Test
  void perSenderRateLimitAnswers429() throws Exception {
    String key = coord.newJoinKey(true);
    byte[] discoB = TestCoord.randomKey();
    try (CoordClient a = coord.client("alpha", key);
        CoordClient b = coord.client("beta", key, Ed25519Keys.generate(), discoB)) {
      a.register();
      b.register();
      int refused = 0;
      for (int i = 0; i < 60; i++) {
        try {
          a.sendSignal(discoB, new byte[] {1});
        } catch (dev.gretun.core.coord.CoordException e) {
          assertEquals(429, e.status());
          assertEquals("rate_limited", e.code());
          refused++;
        }
      }
      assertTrue(refused > 0, "60 signals at once must exceed the burst of 40");
    }
  }

  @Test
  void healthMetricsAndDebug() throws Exception {
    String key = coord.newJoinKey(false);
    try (CoordClient a = coord.client("alpha", key)) {
      a.register();
    }
    var h = http.send("GET", "/healthz", null, Map.of());
    assertEquals(200, h.status());
    assertEquals("ok", h.json().get("status").asText());
    assertEquals(1, h.json().get("nodes").asInt());
    assertEquals(404, http.send("GET", "/metrics", null, Map.of()).status());
    SignedHttp.Reply m;
    try (SignedHttp metricsHttp =
        new SignedHttp(
            java.net.URI.create("http://127.0.0.1:" + coord.server.metricsAddress().getPort()))) {
      m = metricsHttp.send("GET", "/metrics", null, Map.of());
    }
    assertEquals(200, m.status());
    assertTrue(
        m.raw().contains("gretun_coord_requests_total{route=\"register\",status=\"200\"}"),
        m.raw());
    assertTrue(m.raw().contains("gretun_coord_nodes 1.0"), m.raw());
    assertTrue(m.raw().contains("gretun_coord_stun_requests_total"), m.raw());
    assertTrue(m.raw().contains("gretun_coord_signals_dropped_total"), m.raw());
    assertTrue(m.raw().contains("gretun_coord_connections_open"), m.raw());
    assertTrue(m.raw().contains("jvm_memory_used_bytes"), m.raw());
    // Loopback is no credential: /debug/peers needs the admin token from everyone.
    var denied = http.send("GET", "/debug/peers", null, Map.of());
    assertEquals(403, denied.status());
    assertEquals("forbidden", denied.code());
    var d =
        http.send("GET", "/debug/peers", null, Map.of("Authorization", "Bearer " + ADMIN_TOKEN));
    assertEquals(200, d.status());
    assertEquals("alpha", d.json().get("peers").get(0).get("node_name").asText());
  }

  @Test
  void unknownRoutesAndMethodsAreJson4xx() throws Exception {
    var r = http.send("GET", "/nope", null, Map.of());
    assertEquals(404, r.status());
    assertEquals("not_found", r.code());
    var m = http.send("PUT", "/v1/register", "{}", Map.of());
    assertEquals(405, m.status());
    assertEquals("method_not_allowed", m.code());
    assertEquals("POST", m.headers().firstValue("Allow").orElse(""));
    var big = http.send("POST", "/v1/register", "x".repeat(70_000), Map.of());
    assertEquals(413, big.status());
    assertEquals("body_too_large", big.code());
  }

  @Test
  void badBodiesAreFieldErrors() throws Exception {
    KeyPair kp = Ed25519Keys.generate();
    String key = coord.newJoinKey(true);
    record Case(String body, String code) {}
    for (Case c :
        List.of(
            new Case("not json", "bad_json"),
            new Case("[]", "bad_json"),
            new Case("null", "bad_json"),
            new Case(
                "{\"node_name\":\"a b\",\"disco_key\":\"" + CoordWire.b64(new byte[32]) + "\"}",
                "bad_field"),
            new Case("{\"node_name\":\"ok\",\"disco_key\":\"AAAA\"}", "bad_field"),
            new Case("{\"node_name\":\"ok\"}", "bad_field"))) {
      var r = http.signed(kp, "POST", "/v1/register", c.body());
      assertEquals(400, r.status(), c.body() + " -> " + r.raw());
      assertEquals(c.code(), r.code(), c.body());
    }
    assertEquals(
        200,
        http.signed(
                kp,
                "POST",
                "/v1/register",
                SignedHttp.registerBody("ok", TestCoord.randomKey(), key))
            .status());
    for (String body :
        List.of(
            "{\"endpoints\":[{\"addr\":\"1.2.3.4\"}]}",
            "{\"endpoints\":[{\"addr\":\"1.2.3.4:0\"}]}",
            "{\"endpoints\":[{\"addr\":\"host.example:80\"}]}",
            "{\"endpoints\":[{\"addr\":\"::1:80\"}]}",
            "{\"endpoints\":null}",
            "{\"endpoints\":["
                + "{\"addr\":\"1.2.3.4:5\"},".repeat(16)
                + "{\"addr\":\"1.2.3.4:5\"}]}")) {
      var r = http.signed(kp, "POST", "/v1/endpoints", body);
      assertEquals(400, r.status(), body + " -> " + r.raw());
      assertEquals("bad_field", r.code());
    }
    var sig =
        http.signed(
            kp,
            "POST",
            "/v1/signal",
            "{\"to\":\"" + CoordWire.b64(new byte[32]) + "\",\"sealed\":\"AQ==\"}");
    assertEquals(404, sig.status());
    assertEquals("unknown_recipient", sig.code());
  }

  @Test
  void peersReplyHasStableFieldNames() throws Exception {
    String key = coord.newJoinKey(true);
    KeyPair kp = Ed25519Keys.generate();
    http.signed(
        kp, "POST", "/v1/register", SignedHttp.registerBody("alpha", TestCoord.randomKey(), key));
    JsonNode p = http.signed(kp, "GET", "/v1/peers", null).json();
    Set<String> top = iter(p);
    assertEquals(Set.of("cursor", "full", "peers", "removed"), top);
    assertEquals(
        Set.of("node_key", "disco_key", "node_name", "tunnel_ip", "endpoints", "updated_at", "nat"),
        iter(p.get("peers").get(0)));
  }

  private static Set<String> iter(JsonNode n) {
    Set<String> s = new java.util.TreeSet<>();
    n.fieldNames().forEachRemaining(s::add);
    return s.stream().collect(Collectors.toSet());
  }
}
