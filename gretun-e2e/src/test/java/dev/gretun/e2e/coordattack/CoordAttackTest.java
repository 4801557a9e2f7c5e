package dev.gretun.e2e.coordattack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.keys.Ed25519Forgery;
import dev.gretun.core.keys.Ed25519Keys;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 items 1, 2, 3, 6 and 7 performed against a real gretun-coord process on loopback, each
 * bounded in count and time.
 */
class CoordAttackTest {
  @TempDir Path dir;
  CoordUnderAttack coord;
  String joinKey;

  @BeforeEach
  void start() throws Exception {
    coord = new CoordUnderAttack(dir);
    joinKey = coord.joinKey();
  }

  @AfterEach
  void stop() throws Exception {
    coord.close();
  }

  private static void expect(int status, String code, CoordUnderAttack.Reply r) {
    assertEquals(status, r.status(), r.raw());
    assertEquals(code, r.code(), r.raw());
  }

  /** Requests "signed" by the identity key with one signature that fits every message. */
  private static Map<String, String> forged() {
    return CoordUnderAttack.headers(
        Ed25519Forgery.identityKey(),
        Instant.now().getEpochSecond(),
        CoordUnderAttack.nonce(),
        Ed25519Forgery.universalSignature());
  }

  @Test
  void smallOrderNodeKeyWithAUniversalSignatureGetsNothing() throws Exception {
    String reg = CoordUnderAttack.registerBody("forged", joinKey);
    expect(400, "weak_node_key", coord.send("POST", "/v1/register", reg, forged()));
    String eps = "{\"endpoints\":[{\"addr\":\"198.51.100.66:7777\"}]}";
    expect(401, "weak_node_key", coord.send("POST", "/v1/endpoints", eps, forged()));
    expect(401, "weak_node_key", coord.send("GET", "/v1/peers", null, forged()));
    KeyPair honest = coord.member("honest", joinKey);
    String sig = "{\"to\":\"" + CoordWire.b64(Ed25519Keys.rawPublic(honest.getPublic())) + "\"";
    expect(
        401,
        "weak_node_key",
        coord.send("POST", "/v1/signal", sig + ",\"sealed\":\"AQID\"}", forged()));
    var peers = coord.signed(honest, "GET", "/v1/peers", null);
    assertEquals(1, peers.json().get("peers").size(), peers.raw());
  }

  @Test
  void endpointsPostCapturedBeforeARestartIsRefusedAfterIt() throws Exception {
    KeyPair node = coord.member("node", joinKey);
    var stale =
        coord.sign(
            node, "POST", "/v1/endpoints", "{\"endpoints\":[{\"addr\":\"198.51.100.1:7777\"}]}");
    assertEquals(200, coord.send(stale).status());
    String current = "{\"endpoints\":[{\"addr\":\"198.51.100.2:7777\"}]}";
    assertEquals(200, coord.signed(node, "POST", "/v1/endpoints", current).status());
    expect(401, "replayed", coord.send(stale));

    coord.restart(); // SIGKILL: nothing is flushed on the way out

    expect(401, "replayed", coord.send(stale));
    var peers = coord.signed(node, "GET", "/v1/peers", null);
    assertEquals(200, peers.status(), peers.raw());
    assertEquals(
        "198.51.100.2:7777",
        peers.json().get("peers").get(0).get("endpoints").get(0).get("addr").asText());
  }

  @Test
  void fiveThousandUnknownKeysAreNotRememberedAndAMemberIsStillServed() throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    List<CoordUnderAttack.Captured> some = new ArrayList<>();
    for (int i = 0; i < 5000 && System.nanoTime() < deadline; i++) {
      var c = coord.sign(Ed25519Keys.generate(), "GET", "/v1/peers", null);
      expect(401, "unknown_node", coord.send(c));
      if (i % 500 == 0) {
        some.add(c);
      }
    }
    assertTrue(System.nanoTime() < deadline, "5000 requests within 120 s");
    for (var c : some) {
      expect(401, "unknown_node", coord.send(c)); // a replay is still unknown, not "replayed"
    }
    assertEquals(0.0, coord.metric("gretun_coord_replay_memory_signatures"));
    KeyPair member = coord.member("member", joinKey);
    assertEquals(200, coord.signed(member, "GET", "/v1/peers", null).status());
    assertEquals(2.0, coord.metric("gretun_coord_replay_memory_signatures")); // register + peers
  }

  @Test
  void floodingMemberCannotEvictAnHonestMembersSignal() throws Exception {
    KeyPair victim = coord.member("victim", joinKey);
    KeyPair mallory = coord.member("mallory", joinKey);
    KeyPair honest = coord.member("honest", joinKey);
    String to = "{\"to\":\"" + CoordWire.b64(Ed25519Keys.rawPublic(victim.getPublic())) + "\"";
    // The victim is offline; the honest member's call_me_maybe is queued first.
    assertEquals(
        200, coord.signed(honest, "POST", "/v1/signal", to + ",\"sealed\":\"SEVMTE8=\"}").status());
    int accepted = 0;
    long deadline = System.nanoTime() + 30_000_000_000L;
    for (int i = 0; i < 200 && System.nanoTime() < deadline; i++) {
      var r = coord.signed(mallory, "POST", "/v1/signal", to + ",\"sealed\":\"Rkxvb2Q=\"}");
      if (r.status() == 200) {
        accepted++;
      } else {
        assertEquals("rate_limited", r.code(), r.raw());
      }
      Thread.sleep(50);
    }
    assertTrue(accepted > 64, "the flood got more than a mailbox's worth in: " + accepted);
    assertEquals(
        200, coord.signed(honest, "POST", "/v1/signal", to + ",\"sealed\":\"QUdBSU4=\"}").status());

    var got = coord.signed(victim, "GET", "/v1/signal", null);
    assertEquals(200, got.status(), got.raw());
    List<String> fromHonest = new ArrayList<>();
    int fromMallory = 0;
    String honestKey = CoordWire.b64(Ed25519Keys.rawPublic(honest.getPublic()));
    for (var e : got.json().get("envelopes")) {
      if (e.get("from_node").asText().equals(honestKey)) {
        fromHonest.add(e.get("sealed").asText());
      } else {
        fromMallory++;
      }
    }
    assertEquals(List.of("SEVMTE8=", "QUdBSU4="), fromHonest);
    assertTrue(fromMallory <= 8, "the flooder holds at most its quota: " + fromMallory);
  }

  @Test
  void looseEndpointsAndLooselyTypedFieldsAreRefused() throws Exception {
    KeyPair node = coord.member("node", joinKey);
    String good = "{\"endpoints\":[{\"addr\":\"198.51.100.7:7777\",\"source\":\"stun\"}]}";
    assertEquals(200, coord.signed(node, "POST", "/v1/endpoints", good).status());
    for (String addr :
        List.of(
            "1.2.3:80",
            "127.1:80",
            "017.0.0.1:80",
            "1.2.3.4:+80",
            "[fe80::1%eth0]:80",
            "0.0.0.0:80",
            "255.255.255.255:80",
            "224.0.0.1:80")) {
      var r =
          coord.signed(
              node, "POST", "/v1/endpoints", "{\"endpoints\":[{\"addr\":\"" + addr + "\"}]}");
      expect(400, "bad_field", r);
    }
    var r =
        coord.signed(
            Ed25519Keys.generate(),
            "POST",
            "/v1/register",
            CoordUnderAttack.registerBody("x", joinKey).replace("\"x\"", "123"));
    expect(400, "bad_json", r);
    var peers = coord.signed(node, "GET", "/v1/peers", null);
    var eps = peers.json().get("peers").get(0).get("endpoints");
    assertEquals(1, eps.size(), peers.raw());
    assertEquals("198.51.100.7:7777", eps.get(0).get("addr").asText());
  }
}
