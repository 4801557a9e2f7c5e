package dev.gretun.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.gretun.core.coord.CoordWire;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A stand-in coordinator on a loopback port for {@link AotTraining}: answers the requests a
 * starting daemon makes first (register, peers, endpoints, signals) with well-formed replies, so
 * the training run goes through the HTTP client's response path and the JSON parsing of each reply
 * — code that otherwise runs cold, from the jar, on every start's way to its first tunnel. Nothing
 * here is checked; it only has to look like the real coordinator to the client.
 */
final class TrainingCoordinator implements AutoCloseable {
  private static final ObjectMapper JSON = CoordWire.mapper();
  private static final String KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

  private final HttpServer server;

  private TrainingCoordinator(HttpServer server) {
    this.server = server;
  }

  static TrainingCoordinator start() throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    s.createContext("/", TrainingCoordinator::answer);
    s.start();
    return new TrainingCoordinator(s);
  }

  int port() {
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange ex) throws IOException {
    try (ex) {
      ex.getRequestBody().readAllBytes();
      byte[] body =
          JSON.writeValueAsBytes(reply(ex.getRequestMethod(), ex.getRequestURI().getPath()));
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static Object reply(String method, String path) {
    CoordWire.Endpoint ep = new CoordWire.Endpoint("192.0.2.2:7777", "stun");
    return switch (path) {
      case "/v1/register" ->
          new CoordWire.RegisterResponse(
              KEY,
              "100.64.0.2",
              24,
              "100.64.0.0/24",
              List.of("192.0.2.10:3478"),
              "1",
              true,
              25,
              "192.0.2.10:3480");
      case "/v1/peers" ->
          new CoordWire.PeersResponse(
              "2",
              true,
              List.of(
                  new CoordWire.Peer(
                      KEY, KEY, "peer", "100.64.0.3", List.of(ep), "2026-01-01T00:00:00Z", "easy")),
              List.of());
      case "/v1/signal" ->
          method.equals("GET")
              ? new CoordWire.SignalsResponse(
                  List.of(new CoordWire.Envelope(KEY, KEY, KEY, "2026-01-01T00:00:00Z")))
              : new CoordWire.SignalAck(true);
      default -> new CoordWire.Ack(true, "2");
    };
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
