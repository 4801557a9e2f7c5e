package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.coord.RequestAuth;
import dev.gretun.core.keys.Ed25519Keys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Authentication and join-key negatives, over real HTTP. */
class AuthTest {
  @TempDir Path dir;
  TestCoord coord;
  SignedHttp http;
  final KeyPair kp = Ed25519Keys.generate();

  @BeforeEach
  void start() {
    coord = TestCoord.builder(dir).joinKeys(true).start();
    http = new SignedHttp(coord.uri());
  }

  @AfterEach
  void stop() {
    http.close();
    coord.close();
  }

  private String reg(String name, byte[] disco, String key) {
    return SignedHttp.registerBody(name, disco, key);
  }

  private void expect(int status, String code, SignedHttp.Reply r) {
    assertEquals(status, r.status(), r.raw());
    assertEquals(code, r.code(), r.raw());
  }

  @Test
  void unsignedRequestsAreRefused() throws Exception {
    String body = reg("a", TestCoord.randomKey(), coord.newJoinKey(false));
    expect(401, "unauthenticated", http.send("POST", "/v1/register", body, Map.of()));
    expect(401, "unauthenticated", http.send("GET", "/v1/peers", null, Map.of()));
    expect(401, "unauthenticated", http.send("GET", "/v1/signal", null, Map.of()));
    expect(401, "unauthenticated", http.send("POST", "/v1/endpoints", "{}", Map.of()));
  }

  @Test
  void badSignatureWrongKeyBadSchemeAreRefused() throws Exception {
    String body = reg("a", TestCoord.randomKey(), coord.newJoinKey(false));
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    long now = Instant.now().getEpochSecond();
    Map<String, String> h = http.authHeaders(kp, now, "POST", "/v1/register", b);

    Map<String, String> flipped = new LinkedHashMap<>(h);
    String sig = h.get(RequestAuth.HEADER_AUTHORIZATION);
    flipped.put(
        RequestAuth.HEADER_AUTHORIZATION,
        sig.substring(0, 10) + (sig.charAt(10) == 'A' ? 'B' : 'A') + sig.substring(11));
    expect(401, "bad_signature", http.send("POST", "/v1/register", body, flipped));

    Map<String, String> wrongKey = new LinkedHashMap<>(h);
    wrongKey.put(
        RequestAuth.HEADER_NODE,
        CoordWire.b64(Ed25519Keys.rawPublic(Ed25519Keys.generate().getPublic())));
    expect(401, "bad_signature", http.send("POST", "/v1/register", body, wrongKey));

    Map<String, String> scheme = new LinkedHashMap<>(h);
    scheme.put(RequestAuth.HEADER_AUTHORIZATION, "Bearer abc");
    expect(401, "bad_auth", http.send("POST", "/v1/register", body, scheme));

    // Body changed after signing.
    expect(401, "bad_signature", http.send("POST", "/v1/register", body + " ", h));
    // Path changed after signing (query is covered too).
    Map<String, String> peers = http.authHeaders(kp, now, "GET", "/v1/peers", new byte[0]);
    expect(401, "bad_signature", http.send("GET", "/v1/peers?cursor=x", null, peers));
  }

  @Test
  void staleAndReplayedRequestsAreRefused() throws Exception {
    String body = reg("a", TestCoord.randomKey(), coord.newJoinKey(false));
    long now = Instant.now().getEpochSecond();
    expect(401, "stale_timestamp", http.signed(kp, now - 120, "POST", "/v1/register", body));
    expect(401, "stale_timestamp", http.signed(kp, now + 120, "POST", "/v1/register", body));

    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    Map<String, String> h = http.authHeaders(kp, now, "POST", "/v1/register", b);
    assertEquals(200, http.send("POST", "/v1/register", body, h).status());
    expect(401, "replayed", http.send("POST", "/v1/register", body, h));
  }

  @Test
  void serverClockDecidesTheWindow() throws Exception {
    coord.clock.set(Instant.now().plusSeconds(3600));
    String body = reg("a", TestCoord.randomKey(), coord.newJoinKey(false));
    expect(401, "stale_timestamp", http.signed(kp, "POST", "/v1/register", body));
    long serverNow = coord.clock.instant().getEpochSecond();
    assertEquals(200, http.signed(kp, serverNow, "POST", "/v1/register", body).status());
  }

  @Test
  void joinKeyMissingInvalidExpiredRevokedUsed() throws Exception {
    expect(
        403,
        "join_key_required",
        http.signed(kp, "POST", "/v1/register", reg("a", TestCoord.randomKey(), null)));
    expect(
        403,
        "join_key_invalid",
        http.signed(kp, "POST", "/v1/register", reg("a", TestCoord.randomKey(), "nope")));
    expect(
        403,
        "join_key_invalid",
        http.signed(
            kp,
            "POST",
            "/v1/register",
            reg("a", TestCoord.randomKey(), "gjk-00000000-" + "A".repeat(32))));

    Instant now = Instant.now();
    String expired =
        coord.store.createJoinKey(true, now.minusSeconds(1), now.minusSeconds(10)).secret();
    expect(
        403,
        "join_key_expired",
        http.signed(kp, "POST", "/v1/register", reg("a", TestCoord.randomKey(), expired)));

    var revoked = coord.store.createJoinKey(true, null, now);
    coord.store.revokeJoinKey(revoked.key().id(), now);
    expect(
        403,
        "join_key_revoked",
        http.signed(kp, "POST", "/v1/register", reg("a", TestCoord.randomKey(), revoked.secret())));

    String once = coord.newJoinKey(false);
    assertEquals(
        200,
        http.signed(kp, "POST", "/v1/register", reg("a", TestCoord.randomKey(), once)).status());
    expect(
        403,
        "join_key_used",
        http.signed(
            Ed25519Keys.generate(), "POST", "/v1/register", reg("b", TestCoord.randomKey(), once)));
    // A known node re-registers without presenting a key again.
    byte[] disco = TestCoord.randomKey();
    KeyPair k2 = Ed25519Keys.generate();
    String reusable = coord.newJoinKey(true);
    assertEquals(200, http.signed(k2, "POST", "/v1/register", reg("c", disco, reusable)).status());
    assertEquals(200, http.signed(k2, "POST", "/v1/register", reg("c", disco, null)).status());
  }

  @Test
  void discoKeyCannotBeClaimedByAnotherNode() throws Exception {
    String key = coord.newJoinKey(true);
    byte[] disco = TestCoord.randomKey();
    assertEquals(200, http.signed(kp, "POST", "/v1/register", reg("victim", disco, key)).status());
    KeyPair attacker = Ed25519Keys.generate();
    expect(
        409,
        "disco_key_taken",
        http.signed(attacker, "POST", "/v1/register", reg("evil", disco, key)));
    // And an existing node cannot switch to the victim's disco key either.
    assertEquals(
        200,
        http.signed(attacker, "POST", "/v1/register", reg("evil", TestCoord.randomKey(), key))
            .status());
    expect(
        409,
        "disco_key_taken",
        http.signed(attacker, "POST", "/v1/register", reg("evil", disco, null)));
    // Signals addressed to the victim's disco key still reach the victim.
    assertEquals(2, coord.server.registry().size());
  }

  @Test
  void unregisteredKeysCannotUseTheApi() throws Exception {
    KeyPair stranger = Ed25519Keys.generate();
    expect(401, "unknown_node", http.signed(stranger, "GET", "/v1/peers", null));
    expect(401, "unknown_node", http.signed(stranger, "GET", "/v1/signal", null));
    expect(
        401, "unknown_node", http.signed(stranger, "POST", "/v1/endpoints", "{\"endpoints\":[]}"));
  }

  @Test
  void poolExhaustionIsA409() throws Exception {
    coord.close();
    coord = TestCoord.builder(dir.resolve("small")).pool("10.9.0.0/30").start();
    http.close();
    http = new SignedHttp(coord.uri());
    assertEquals(
        "10.9.0.2",
        http.signed(kp, "POST", "/v1/register", reg("a", TestCoord.randomKey(), null))
            .json()
            .get("tunnel_ip")
            .asText());
    expect(
        409,
        "pool_exhausted",
        http.signed(
            Ed25519Keys.generate(), "POST", "/v1/register", reg("b", TestCoord.randomKey(), null)));
  }
}
