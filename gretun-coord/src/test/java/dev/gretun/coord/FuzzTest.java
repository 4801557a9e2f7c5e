package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.keys.Ed25519Keys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10 000 malformed, mutated, oversized and mis-signed requests from a fixed seed over reused
 * keep-alive connections: every one must get a reply, never a 5xx, and every 4xx a JSON error body.
 */
class FuzzTest {
  private static final long SEED = 0x6772657475L;
  private static final int REQUESTS = 10_000;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] PATHS = {
    "/v1/register", "/v1/endpoints", "/v1/peers", "/v1/signal", "/healthz", "/metrics",
    "/debug/peers", "/", "/v1/", "/v1/peers/../register", "/%zz", "/v1/peers?cursor=%",
    "/v1/peers?cursor=abc-1&cursor=x", "//v1//peers"
  };
  private static final String[] METHODS = {
    "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "BREW"
  };

  @TempDir Path dir;

  @Test
  void fuzzNeverYields5xx() throws Exception {
    Random rnd = new Random(SEED);
    try (TestCoord coord =
        TestCoord.builder(dir)
            .longPoll(Duration.ofMillis(1))
            // The fuzz is about input handling; skip per-commit fsync so it stays fast.
            .sync(dev.gretun.coord.store.SqliteCoordStore.Sync.NORMAL)
            .start()) {
      KeyPair kp = Ed25519Keys.generate();
      byte[] disco = TestCoord.randomKey();
      Conn conn = new Conn(coord.port());
      // One registered node so signed requests reach the body parsers.
      assertEquals(
          200,
          conn.exchange(
                  signedRequest(
                      kp,
                      "POST",
                      "/v1/register",
                      SignedHttp.registerBody("fuzz", disco, null)
                          .getBytes(StandardCharsets.UTF_8)))
              .status);
      Map<Integer, Integer> byStatus = new TreeMap<>();
      for (int i = 0; i < REQUESTS; i++) {
        byte[] req = request(rnd, kp, disco);
        Reply r;
        try {
          r = conn.exchange(req, startsWith(req, "HEAD "));
        } catch (IOException e) {
          throw new AssertionError("request " + i + " got no reply: " + e + "\n" + preview(req), e);
        }
        byStatus.merge(r.status, 1, Integer::sum);

        assertTrue(
            r.status < 500,
            "request " + i + " -> " + r.status + " " + r.body + "\n" + preview(req));
        if (r.status >= 400 && !startsWith(req, "HEAD ")) {
          JsonNode err = JSON.readTree(r.body);
          assertTrue(
              err.hasNonNull("error") && err.hasNonNull("code"),
              "request " + i + " -> " + r.status + " [" + r.body + "]\n" + preview(req));
        }
        if (r.close) {
          conn.close();
          conn = new Conn(coord.port());
        }
      }
      conn.close();
      // The mix must actually reach the interesting outcomes, not only 404s.
      for (int s : new int[] {200, 400, 401, 404, 405, 413}) {
        assertTrue(byStatus.getOrDefault(s, 0) > 0, "no " + s + " in " + byStatus);
      }
      assertTrue(
          byStatus.getOrDefault(400, 0) > 500, "bad bodies must reach the parsers: " + byStatus);
    }
  }

  private static boolean startsWith(byte[] req, String prefix) {
    return new String(req, 0, Math.min(req.length, prefix.length()), StandardCharsets.ISO_8859_1)
        .equals(prefix);
  }

  private static String preview(byte[] req) {
    String s = new String(req, 0, Math.min(req.length, 300), StandardCharsets.ISO_8859_1);
    return s.replaceAll("[^\\x20-\\x7e\\n]", "?");
  }

  private byte[] request(Random rnd, KeyPair kp, byte[] disco) {
    int kind = rnd.nextInt(100);
    if (kind < 5) {
      // Garbage request line / headers.
      byte[] junk = new byte[1 + rnd.nextInt(200)];
      for (int i = 0; i < junk.length; i++) {
        junk[i] = (byte) (rnd.nextBoolean() ? 32 + rnd.nextInt(95) : rnd.nextInt(256));
        if (junk[i] == '\r' || junk[i] == '\n') {
          junk[i] = 'x';
        }
      }
      return concat(junk, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
    if (kind < 7) {
      // Oversized header block.
      return ("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1);
    }
    if (kind < 9) {
      // Oversized body.
      return raw("POST", "/v1/register", new byte[65 * 1024 + rnd.nextInt(4096)], List.of());
    }
    String method =
        rnd.nextInt(4) == 0
            ? METHODS[rnd.nextInt(METHODS.length)]
            : (rnd.nextBoolean() ? "POST" : "GET");
    String path = PATHS[rnd.nextInt(rnd.nextInt(3) == 0 ? PATHS.length : 4)];
    byte[] body = body(rnd, path, disco);
    if (method.equals("GET") || method.equals("HEAD")) {
      body = rnd.nextInt(5) == 0 ? body : new byte[0];
    }
    if (kind < 70) {
      return signedRequest(kp, method, path, body);
    }
    if (kind < 85) {
      // Valid-looking auth headers with garbage values.
      List<String> h = new ArrayList<>();
      h.add("X-Gretun-Node: " + randomToken(rnd));
      h.add(
          "X-Gretun-Timestamp: "
              + (rnd.nextBoolean() ? Long.toString(rnd.nextLong()) : randomToken(rnd)));
      h.add("X-Gretun-Nonce: " + randomToken(rnd));
      h.add("Authorization: " + (rnd.nextBoolean() ? "Gretun " : "") + randomToken(rnd));
      return raw(method, path, body, h);
    }
    return raw(method, path, body, List.of());
  }

  private static String randomToken(Random rnd) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_%";
    StringBuilder sb = new StringBuilder();
    int n = rnd.nextInt(100);
    for (int i = 0; i < n; i++) {
      sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  private static byte[] body(Random rnd, String path, byte[] disco) {
    String valid =
        switch (path) {
          case "/v1/register" ->
              SignedHttp.registerBody(
                  "n" + rnd.nextInt(1000), rnd.nextBoolean() ? disco : TestCoord.randomKey(), null);
          case "/v1/endpoints" ->
              "{\"endpoints\":[{\"addr\":\"192.0.2.1:7777\",\"source\":\"stun\"}]}";
          case "/v1/signal" -> "{\"to\":\"" + CoordWire.b64(disco) + "\",\"sealed\":\"AQID\"}";
          default -> "{}";
        };
    byte[] b = valid.getBytes(StandardCharsets.UTF_8);
    return switch (rnd.nextInt(8)) {
      case 0 -> b;
      case 1 -> { // flip bytes
        byte[] c = b.clone();
        for (int i = 0; i < 1 + rnd.nextInt(4); i++) {
          c[rnd.nextInt(c.length)] = (byte) rnd.nextInt(256);
        }
        yield c;
      }
      case 2 -> java.util.Arrays.copyOf(b, rnd.nextInt(b.length)); // truncate
      case 3 ->
          ("[".repeat(2000 + rnd.nextInt(3000))).getBytes(StandardCharsets.UTF_8); // deep nesting
      case 4 -> { // type confusion
        String[] values = {
          "1", "-1e999", "true", "null", "[]", "{}", "\"\"", "\"" + "x".repeat(500) + "\""
        };
        yield valid
            .replaceFirst(":\"[^\"]*\"", ":" + values[rnd.nextInt(values.length)])
            .getBytes(StandardCharsets.UTF_8);
      }
      case 5 -> { // random bytes
        byte[] c = new byte[rnd.nextInt(300)];
        rnd.nextBytes(c);
        yield c;
      }
      case 6 ->
          ("{\"endpoints\":[" + "{\"addr\":\"1.2.3.4:5\"},".repeat(rnd.nextInt(40)) + "{}]}")
              .getBytes(StandardCharsets.UTF_8);
      default ->
          "\uFEFF{\"node_name\":\"\\u0000\",\"disco_key\":\"====\"}"
              .getBytes(StandardCharsets.UTF_8);
    };
  }

  private static byte[] signedRequest(KeyPair kp, String method, String path, byte[] body) {
    Map<String, String> h =
        SignedHttp.authHeaders(
            kp, System.currentTimeMillis() / 1000, method, "127.0.0.1", path, body);
    List<String> lines = new ArrayList<>();
    h.forEach((k, v) -> lines.add(k + ": " + v));
    return raw(method, path, body, lines);
  }

  private static byte[] raw(String method, String path, byte[] body, List<String> headers) {
    StringBuilder sb = new StringBuilder();
    sb.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    headers.forEach(h -> sb.append(h).append("\r\n"));
    sb.append("Content-Length: ").append(body.length).append("\r\n\r\n");
    return concat(sb.toString().getBytes(StandardCharsets.ISO_8859_1), body);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  record Reply(int status, String body, boolean close) {}

  /** One keep-alive connection speaking just enough HTTP/1.1 to read Content-Length replies. */
  static final class Conn implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final OutputStream out;

    Conn(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(10_000);
      in = socket.getInputStream();
      out = socket.getOutputStream();
    }

    Reply exchange(byte[] request) throws IOException {
      return exchange(request, false);
    }

    /** A reply to HEAD has headers only (RFC 9110 section 9.3.2). */
    Reply exchange(byte[] request, boolean head) throws IOException {
      try {
        out.write(request);
        out.flush();
      } catch (IOException e) {
        // The server may close before reading an oversized body; its reply is still readable.
      }
      String statusLine = line();
      if (statusLine == null) {
        throw new IOException("connection closed without reply");
      }
      int status = Integer.parseInt(statusLine.split(" ")[1]);
      int length = 0;
      boolean close = false;
      String l;
      while (!(l = line()).isEmpty()) {
        String lower = l.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Integer.parseInt(lower.substring(15).trim());
        } else if (lower.startsWith("connection:") && lower.contains("close")) {
          close = true;
        }
      }
      byte[] body = head ? new byte[0] : in.readNBytes(length);
      return new Reply(status, new String(body, StandardCharsets.UTF_8), close);
    }

    private String line() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      int c;
      while ((c = in.read()) != -1) {
        if (c == '\n') {
          String s = b.toString(StandardCharsets.ISO_8859_1);
          return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        }
        b.write(c);
      }
      return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
