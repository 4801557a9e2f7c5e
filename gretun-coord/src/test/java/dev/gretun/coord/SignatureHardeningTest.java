package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.coord.store.IpPool;
import dev.gretun.coord.store.Registration;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.coord.RequestAuth;
import dev.gretun.core.keys.Ed25519Forgery;
import dev.gretun.core.keys.Ed25519Keys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 14 items 1-3 against an in-process coordinator: forged keys, replays, unknown keys. */
class SignatureHardeningTest {
  @TempDir Path dir;
  TestCoord coord;
  SignedHttp http;

  @BeforeEach
  void start() {
    coord =
        TestCoord.builder(dir)
            .joinKeys(true)
            .metricsListen(new java.net.InetSocketAddress("127.0.0.1", 0))
            .start();
    http = new SignedHttp(coord.uri());
  }

  @AfterEach
  void stop() {
    http.close();
    coord.close();
    coord.store.close();
  }

  private static void expect(int status, String code, SignedHttp.Reply r) {
    assertEquals(status, r.status(), r.raw());
    assertEquals(code, r.code(), r.raw());
  }

  /** Headers of a request "signed" by the identity key with the universal forged signature. */
  private static Map<String, String> forged() {
    byte[] nonce = new byte[16];
    new SecureRandom().nextBytes(nonce);
    Map<String, String> h = new LinkedHashMap<>();
    h.put(RequestAuth.HEADER_NODE, CoordWire.b64(Ed25519Forgery.identityKey()));
    h.put(RequestAuth.HEADER_TIMESTAMP, Long.toString(Instant.now().getEpochSecond()));
    h.put(RequestAuth.HEADER_NONCE, Base64.getEncoder().encodeToString(nonce));
    h.put(
        RequestAuth.HEADER_AUTHORIZATION,
        "Gretun " + Base64.getEncoder().encodeToString(Ed25519Forgery.universalSignature()));
    return h;
  }

  @Test
  void smallOrderKeyCannotRegisterNorActWithoutAPrivateKey() throws Exception {
    String body = SignedHttp.registerBody("forged", TestCoord.randomKey(), coord.newJoinKey(true));
    expect(400, "weak_node_key", http.send("POST", "/v1/register", body, forged()));

    // A node stored with that key (as an older coordinator accepted it) gets nothing either.
    coord.store.register(
        new Registration(
            CoordWire.b64(Ed25519Forgery.identityKey()),
            CoordWire.b64(TestCoord.randomKey()),
            "legacy",
            null,
            false,
            IpPool.parse("100.64.0.0/24"),
            Instant.now(),
            0));
    String eps = "{\"endpoints\":[{\"addr\":\"198.51.100.9:7777\"}]}";
    expect(401, "weak_node_key", http.send("POST", "/v1/endpoints", eps, forged()));
    expect(401, "weak_node_key", http.send("GET", "/v1/peers", null, forged()));
    expect(401, "weak_node_key", http.send("GET", "/v1/signal", null, forged()));
  }

  @Test
  void signatureForAnotherHostIsRefused() throws Exception {
    KeyPair kp = Ed25519Keys.generate();
    String body = SignedHttp.registerBody("a", TestCoord.randomKey(), coord.newJoinKey(true));
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    long now = Instant.now().getEpochSecond();
    Map<String, String> other =
        SignedHttp.authHeaders(kp, now, "POST", "other.example:8443", "/v1/register", b);
    expect(401, "bad_signature", http.send("POST", "/v1/register", body, other));
    assertEquals(200, http.signed(kp, "POST", "/v1/register", body).status());
  }

  private int rememberedGauge() throws Exception {
    String metrics;
    try (SignedHttp metricsHttp =
        new SignedHttp(
            java.net.URI.create("http://127.0.0.1:" + coord.server.metricsAddress().getPort()))) {
      metrics = metricsHttp.send("GET", "/metrics", null, Map.of()).raw();
    }
    Matcher m =
        Pattern.compile("(?m)^gretun_coord_replay_memory_signatures(?:\\{[^}]*})? ([0-9.eE+]+)$")
            .matcher(metrics);
    assertTrue(m.find(), metrics);
    return (int) Double.parseDouble(m.group(1));
  }

  @Test
  void unknownKeysAndBadJoinKeysAreNotRemembered() throws Exception {
    for (int i = 0; i < 200; i++) {
      KeyPair stranger = Ed25519Keys.generate();
      Map<String, String> h =
          http.authHeaders(
              stranger, Instant.now().getEpochSecond(), "GET", "/v1/peers", new byte[0]);
      expect(401, "unknown_node", http.send("GET", "/v1/peers", null, h));
      expect(401, "unknown_node", http.send("GET", "/v1/peers", null, h)); // not "replayed"
    }
    KeyPair kp = Ed25519Keys.generate();
    String bad =
        SignedHttp.registerBody("a", TestCoord.randomKey(), "gjk-00000000-" + "A".repeat(32));
    byte[] b = bad.getBytes(StandardCharsets.UTF_8);
    Map<String, String> h =
        http.authHeaders(kp, Instant.now().getEpochSecond(), "POST", "/v1/register", b);
    expect(403, "join_key_invalid", http.send("POST", "/v1/register", bad, h));
    expect(403, "join_key_invalid", http.send("POST", "/v1/register", bad, h));
    assertEquals(0, rememberedGauge());

    String good = SignedHttp.registerBody("a", TestCoord.randomKey(), coord.newJoinKey(true));
    assertEquals(200, http.signed(kp, "POST", "/v1/register", good).status());
    assertEquals(1, rememberedGauge());
  }

  @Test
  void requestCapturedBeforeARestartIsRefusedAfterIt() throws Exception {
    KeyPair kp = Ed25519Keys.generate();
    String reg = SignedHttp.registerBody("n", TestCoord.randomKey(), coord.newJoinKey(true));
    assertEquals(200, http.signed(kp, "POST", "/v1/register", reg).status());
    String stale = "{\"endpoints\":[{\"addr\":\"198.51.100.1:7777\"}]}";
    byte[] sb = stale.getBytes(StandardCharsets.UTF_8);
    Map<String, String> captured =
        http.authHeaders(kp, Instant.now().getEpochSecond(), "POST", "/v1/endpoints", sb);
    assertEquals(200, http.send("POST", "/v1/endpoints", stale, captured).status());
    String fresh = "{\"endpoints\":[{\"addr\":\"198.51.100.2:7777\"}]}";
    assertEquals(200, http.signed(kp, "POST", "/v1/endpoints", fresh).status());
    expect(401, "replayed", http.send("POST", "/v1/endpoints", stale, captured));

    int port = coord.port();
    coord.close();
    coord.store.close();
    coord = TestCoord.builder(dir).joinKeys(true).port(port).start();

    expect(401, "replayed", http.send("POST", "/v1/endpoints", stale, captured));
    // The node itself carries on once its clock has passed the second of its last write before
    // the restart (a real restart takes longer than that), several requests in one second too.
    Thread.sleep(1100 - System.currentTimeMillis() % 1000);
    var peers = http.signed(kp, "GET", "/v1/peers", null);
    assertEquals(200, peers.status(), peers.raw());
    assertEquals(
        "198.51.100.2:7777",
        peers.json().get("peers").get(0).get("endpoints").get(0).get("addr").asText());
    assertEquals(200, http.signed(kp, "POST", "/v1/endpoints", fresh).status());
    assertEquals(200, http.signed(kp, "POST", "/v1/endpoints", fresh).status());
    assertEquals(200, http.signed(kp, "POST", "/v1/register", reg).status());
  }
}
