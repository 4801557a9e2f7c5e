package dev.gretun.e2e.coordattack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.coord.RequestAuth;
import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.e2e.Launchers;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code bin/gretun-coord} process on 127.0.0.1 with join keys required, and an attacker's
 * HTTP client: hand-signed (or forged) requests, replays of captured ones, restarts.
 */
final class CoordUnderAttack implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  final Path state;
  final Path log;
  final int port;
  final int metricsPort;
  final URI base;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Process process;

  record Reply(int status, JsonNode json, String raw) {
    String code() {
      return json == null || !json.has("code") ? null : json.get("code").asText();
    }
  }

  /** A signed request as it travels: headers and body, replayable byte for byte. */
  record Captured(String method, String target, String body, Map<String, String> headers) {}

  CoordUnderAttack(Path dir) throws Exception {
    this.state = dir.resolve("state");
    this.log = dir.resolve("coord.log");
    try (ServerSocket s = new ServerSocket(0);
        ServerSocket m = new ServerSocket(0)) {
      this.port = s.getLocalPort();
      this.metricsPort = m.getLocalPort();
    }
    this.base = URI.create("http://127.0.0.1:" + port);
    start();
  }

  void start() throws Exception {
    ProcessBuilder pb =
        Launchers.builder(
            "gretun-coord",
            "--insecure-http", // these attacks are on the HTTP layer; TLS has its own tests
            "--metrics-listen",
            "127.0.0.1:" + metricsPort,
            "--listen",
            "127.0.0.1:" + port,
            "--state-dir",
            state.toString(),
            "--stun-listen",
            "off");
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    process = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("gretun-coord exited:\n" + Files.readString(log));
      }
      try {
        if (send("GET", "/healthz", null, Map.of()).status() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("gretun-coord not healthy in 60 s:\n" + Files.readString(log));
  }

  /** SIGKILL and start again on the same state dir and port. */
  void restart() throws Exception {
    process.destroyForcibly();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      throw new AssertionError("gretun-coord did not die");
    }
    start();
  }

  String joinKey() throws Exception {
    Launchers.Result r =
        Launchers.run(
            "gretun-coord",
            "keys",
            "create",
            "--reusable",
            "--json",
            "--state-dir",
            state.toString());
    if (r.exit() != 0) {
      throw new AssertionError(r.stderr());
    }
    return JSON.readTree(r.stdout()).get("key").asText();
  }

  /** Signs like a node: the key, a fresh nonce, now, the Host this client sends. */
  Captured sign(KeyPair kp, String method, String target, String body) {
    byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    long ts = Instant.now().getEpochSecond();
    String nonce = nonce();
    byte[] sig =
        RequestAuth.sign(
            kp.getPrivate(), ts, nonce, method, RequestAuth.hostHeader(base), target, b);
    return new Captured(
        method, target, body, headers(Ed25519Keys.rawPublic(kp.getPublic()), ts, nonce, sig));
  }

  static String nonce() {
    byte[] n = new byte[RequestAuth.NONCE_BYTES];
    RANDOM.nextBytes(n);
    return Base64.getEncoder().encodeToString(n);
  }

  static Map<String, String> headers(byte[] nodeKey, long ts, String nonce, byte[] sig) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put(RequestAuth.HEADER_NODE, CoordWire.b64(nodeKey));
    h.put(RequestAuth.HEADER_TIMESTAMP, Long.toString(ts));
    h.put(RequestAuth.HEADER_NONCE, nonce);
    h.put(RequestAuth.HEADER_AUTHORIZATION, "Gretun " + Base64.getEncoder().encodeToString(sig));
    return h;
  }

  Reply send(Captured c) throws IOException, InterruptedException {
    return send(c.method(), c.target(), c.body(), c.headers());
  }

  Reply signed(KeyPair kp, String method, String target, String body)
      throws IOException, InterruptedException {
    return send(sign(kp, method, target, body));
  }

  Reply send(String method, String target, String body, Map<String, String> headers)
      throws IOException, InterruptedException {
    byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(base.resolve(target))
            .timeout(Duration.ofSeconds(10))
            .method(method, HttpRequest.BodyPublishers.ofByteArray(b));
    headers.forEach(rb::header);
    HttpResponse<String> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json = null;
    try {
      json = JSON.readTree(r.body());
    } catch (IOException notJson) {
      // metrics text
    }
    return new Reply(r.statusCode(), json, r.body());
  }

  static String registerBody(String name, String joinKey) {
    byte[] disco = new byte[32];
    RANDOM.nextBytes(disco);
    return "{\"node_name\":\""
        + name
        + "\",\"disco_key\":\""
        + CoordWire.b64(disco)
        + "\",\"join_key\":\""
        + joinKey
        + "\"}";
  }

  /** Registers a fresh node; returns its key pair. */
  KeyPair member(String name, String joinKey) throws Exception {
    KeyPair kp = Ed25519Keys.generate();
    Reply r = signed(kp, "POST", "/v1/register", registerBody(name, joinKey));
    if (r.status() != 200) {
      throw new AssertionError("register " + name + ": " + r.raw());
    }
    return kp;
  }

  /** A Prometheus sample of the coordinator (from its metrics listener). */
  double metric(String name) throws Exception {
    String text =
        http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*})? ([0-9.eE+-]+)$").matcher(text);
    if (!m.find()) {
      throw new AssertionError(name + " not in /metrics:\n" + text);
    }
    return Double.parseDouble(m.group(1));
  }

  @Override
  public void close() throws Exception {
    http.close();
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
