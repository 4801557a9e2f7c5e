package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gretun.core.keys.Ed25519Keys;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 14 item 7: loose endpoints and loosely typed JSON are refused, not stored. */
class InputHardeningTest {
  /** Every one of these was stored and republished verbatim before. */
  static final List<String> LOOSE_ENDPOINTS =
      List.of(
          "1.2.3:80",
          "127.1:80",
          "017.0.0.1:80",
          "1.2.3.4:+80",
          "1.2.3.4:080",
          "[fe80::1%eth0]:80",
          "[2001:db8::1]:80",
          "0.0.0.0:80",
          "255.255.255.255:80",
          "224.0.0.1:80",
          "127.0.0.1:80",
          "1.2.3.4:0",
          "1.2.3.4:65536",
          "host.example:80",
          " 1.2.3.4:80",
          "1.2.3.4:80 ",
          "1.2.3.4");

  @TempDir Path dir;
  TestCoord coord;
  SignedHttp http;
  final KeyPair kp = Ed25519Keys.generate();

  @BeforeEach
  void start() throws Exception {
    coord = TestCoord.builder(dir).start();
    http = new SignedHttp(coord.uri());
    String reg = SignedHttp.registerBody("n", TestCoord.randomKey(), null);
    assertEquals(200, http.signed(kp, "POST", "/v1/register", reg).status());
  }

  @AfterEach
  void stop() {
    http.close();
    coord.close();
  }

  @Test
  void looseEndpointsAre400AndCanonicalOnesAreRepublished() throws Exception {
    String good = "{\"endpoints\":[{\"addr\":\"198.51.100.7:7777\",\"source\":\"stun\"}]}";
    assertEquals(200, http.signed(kp, "POST", "/v1/endpoints", good).status());
    for (String addr : LOOSE_ENDPOINTS) {
      var r =
          http.signed(kp, "POST", "/v1/endpoints", "{\"endpoints\":[{\"addr\":\"" + addr + "\"}]}");
      assertEquals(400, r.status(), addr + ": " + r.raw());
      assertEquals("bad_field", r.code(), addr);
    }
    var peers = http.signed(kp, "GET", "/v1/peers", null);
    assertEquals(
        "198.51.100.7:7777",
        peers.json().get("peers").get(0).get("endpoints").get(0).get("addr").asText());
  }

  @Test
  void natIsOneOfTheEnumValuesOrRefused() throws Exception {
    String eps = "\"endpoints\":[{\"addr\":\"198.51.100.7:7777\",\"source\":\"stun\"}]";
    assertEquals(
        200, http.signed(kp, "POST", "/v1/endpoints", "{" + eps + ",\"nat\":\"hard\"}").status());
    for (String nat :
        List.of(
            "\"HARD\"",
            "\"symmetric\"",
            "\"\"",
            "\"hard \"",
            "\"easy\\u0000\"",
            "\"" + "a".repeat(5000) + "\"",
            "7",
            "true",
            "[\"easy\"]",
            "{\"type\":\"easy\"}")) {
      var r = http.signed(kp, "POST", "/v1/endpoints", "{" + eps + ",\"nat\":" + nat + "}");
      assertEquals(400, r.status(), nat + ": " + r.raw());
      // strings outside the enum are a bad field; other JSON types fail strict parsing
      assertEquals(nat.startsWith("\"") ? "bad_field" : "bad_json", r.code(), nat);
    }
    var peers = http.signed(kp, "GET", "/v1/peers", null);
    assertEquals("hard", peers.json().get("peers").get(0).get("nat").asText());
    // Absent (a node from before netcheck) means unknown.
    assertEquals(200, http.signed(kp, "POST", "/v1/endpoints", "{" + eps + "}").status());
    peers = http.signed(kp, "GET", "/v1/peers", null);
    assertEquals("unknown", peers.json().get("peers").get(0).get("nat").asText());
  }

  @Test
  void fieldsOfTheWrongJsonTypeAre400() throws Exception {
    for (String body :
        List.of(
            "{\"node_name\":123,\"disco_key\":\"" + "A".repeat(43) + "=\"}",
            "{\"node_name\":true,\"disco_key\":\"" + "A".repeat(43) + "=\"}",
            "{\"node_name\":1.5,\"disco_key\":\"" + "A".repeat(43) + "=\"}",
            "{\"node_name\":\"n\",\"disco_key\":[1]}",
            "{\"node_name\":\"n\",\"node_name\":\"m\",\"disco_key\":\""
                + "A".repeat(43)
                + "=\"}")) {
      var r = http.signed(kp, "POST", "/v1/register", body);
      assertEquals(400, r.status(), body + ": " + r.raw());
    }
    for (String body :
        List.of(
            "{\"endpoints\":[{\"addr\":1234}]}",
            "{\"endpoints\":[{\"addr\":\"198.51.100.7:7777\",\"source\":7}]}",
            "{\"endpoints\":\"198.51.100.7:7777\"}",
            "{\"endpoints\":[\"198.51.100.7:7777\"]}")) {
      var r = http.signed(kp, "POST", "/v1/endpoints", body);
      assertEquals(400, r.status(), body + ": " + r.raw());
    }
    var r = http.signed(kp, "POST", "/v1/signal", "{\"to\":5,\"sealed\":\"AQID\"}");
    assertEquals(400, r.status(), r.raw());
  }
}
