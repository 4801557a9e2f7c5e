package dev.gretun.e2e.signal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A curious coordinator: sits in front of the real one for one node, forwards every request
 * unchanged (signatures included), keeps a copy of every relayed envelope it hands that node
 * ({@code DIR/captured.jsonl}, one JSON object a line), and on request re-delivers a stored one:
 * when {@code DIR/replay-request} exists, the node's next {@code GET /v1/signal} is answered with
 * that envelope instead of being forwarded, then {@code DIR/replay-done} is written. Uses only the
 * JDK (the lab starts it from the test classes).
 *
 * <p>Usage: {@code CuriousRelay LISTEN_IP PORT UPSTREAM_URL DIR}
 */
public final class CuriousRelay {
  private static final List<String> FORWARDED =
      List.of(
          "X-Gretun-Node", "X-Gretun-Timestamp", "X-Gretun-Nonce", "Authorization", "Content-Type");
  private static final Pattern ENVELOPE = Pattern.compile("\\{[^{}]*\"sealed\"[^{}]*\\}");

  private CuriousRelay() {}

  public static void main(String[] args) throws IOException {
    // A proxy passes the Host header through (signed requests cover it); the JDK client refuses
    // to set it unless allowed before its first use.
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
    URI upstream = URI.create(args[2]);
    Path dir = Path.of(args[3]);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 16);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            handle(ex, http, upstream, dir);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    server.start();
    System.out.println("curious_relay_listening port=" + args[1]);
  }

  private static void handle(HttpExchange ex, HttpClient http, URI upstream, Path dir)
      throws IOException, InterruptedException {
    byte[] body = ex.getRequestBody().readAllBytes();
    URI uri = ex.getRequestURI();
    boolean pullSignals = ex.getRequestMethod().equals("GET") && uri.getPath().equals("/v1/signal");
    Path request = dir.resolve("replay-request");
    if (pullSignals && Files.exists(request)) {
      String envelope = Files.readString(request).strip();
      Files.delete(request);
      reply(ex, 200, "{\"envelopes\":[" + envelope + "]}");
      Files.writeString(dir.resolve("replay-done"), envelope);
      System.out.println("replayed envelope");
      return;
    }
    String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    HttpRequest.Builder b =
        HttpRequest.newBuilder(upstream.resolve(target)).timeout(Duration.ofSeconds(60));
    b.header("Host", ex.getRequestHeaders().getFirst("Host"));
    for (String h : FORWARDED) {
      String v = ex.getRequestHeaders().getFirst(h);
      if (v != null) {
        b.header(h, v);
      }
    }
    b.method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    HttpResponse<String> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (pullSignals && resp.statusCode() == 200) {
      Matcher m = ENVELOPE.matcher(resp.body());
      while (m.find()) {
        Files.writeString(
            dir.resolve("captured.jsonl"),
            m.group() + "\n",
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      }
    }
    reply(ex, resp.statusCode(), resp.body());
  }

  private static void reply(HttpExchange ex, int status, String json) throws IOException {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      ex.getResponseBody().write(b);
    }
  }
}
