package dev.gretun.coord;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.coord.RequestAuth;
import dev.gretun.core.keys.Ed25519Keys;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** Hand-built requests for contract and negative tests (the real client always signs right). */
final class SignedHttp implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final URI base;

  SignedHttp(URI base) {
    this.base = base;
  }

  record Reply(int status, JsonNode json, String raw, java.net.http.HttpHeaders headers) {
    String code() {
      return json == null || !json.has("code") ? null : json.get("code").asText();
    }
  }

  /** Headers a correct signature by {@code kp} at {@code ts} would carry. */
  Map<String, String> authHeaders(KeyPair kp, long ts, String method, String target, byte[] body) {
    return authHeaders(kp, ts, method, RequestAuth.hostHeader(base), target, body);
  }

  /** Headers a correct signature by {@code kp} at {@code ts} for Host {@code host} would carry. */
  static Map<String, String> authHeaders(
      KeyPair kp, long ts, String method, String host, String target, byte[] body) {
    byte[] n = new byte[16];
    new SecureRandom().nextBytes(n);
    String nonce = Base64.getEncoder().encodeToString(n);
    byte[] sig = RequestAuth.sign(kp.getPrivate(), ts, nonce, method, host, target, body);
    Map<String, String> h = new LinkedHashMap<>();
    h.put(RequestAuth.HEADER_NODE, CoordWire.b64(Ed25519Keys.rawPublic(kp.getPublic())));
    h.put(RequestAuth.HEADER_TIMESTAMP, Long.toString(ts));
    h.put(RequestAuth.HEADER_NONCE, nonce);
    h.put(RequestAuth.HEADER_AUTHORIZATION, "Gretun " + Base64.getEncoder().encodeToString(sig));
    return h;
  }

  Reply send(String method, String target, String body, Map<String, String> headers)
      throws IOException, InterruptedException {
    byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(base.resolve(target))
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.ofByteArray(b));
    headers.forEach(rb::header);
    HttpResponse<String> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json = null;
    try {
      json = JSON.readTree(r.body());
    } catch (IOException notJson) {
      // metrics is text
    }
    return new Reply(r.statusCode(), json, r.body(), r.headers());
  }

  Reply signed(KeyPair kp, long ts, String method, String target, String body)
      throws IOException, InterruptedException {
    byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    return send(method, target, body, authHeaders(kp, ts, method, target, b));
  }

  Reply signed(KeyPair kp, String method, String target, String body)
      throws IOException, InterruptedException {
    return signed(kp, System.currentTimeMillis() / 1000, method, target, body);
  }

  static String registerBody(String name, byte[] disco, String joinKey) {
    return "{\"node_name\":\""
        + name
        + "\",\"disco_key\":\""
        + CoordWire.b64(disco)
        + "\""
        + (joinKey == null ? "" : ",\"join_key\":\"" + joinKey + "\"")
        + "}";
  }

  @Override
  public void close() {
    http.close();
  }
}
