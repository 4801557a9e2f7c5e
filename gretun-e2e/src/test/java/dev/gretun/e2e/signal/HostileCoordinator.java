package dev.gretun.e2e.signal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Executors;

/**
 * A fake coordinator speaking the documented API (docs/PROTOCOL.md "Coordinator HTTP API") without
 * checking signatures, run inside a lab node: every node registers as 100.64.0.2/24 in pool
 * 100.64.0.0/24, and the peer list holds peers a node must refuse — tunnel IPs 8.8.8.8 and the lab
 * gateway 10.0.1.1 — plus one acceptable peer (100.64.0.3) whose only endpoints are 127.0.0.1:7777
 * and 0.0.0.0:7777. Uses only the JDK (the lab starts it from the test classes).
 *
 * <p>Usage: {@code HostileCoordinator LISTEN_IP PORT}
 */
public final class HostileCoordinator {
  private static final SecureRandom RANDOM = new SecureRandom();

  private HostileCoordinator() {}

  public static void main(String[] args) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 16);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    String peers =
        "{\"cursor\":\"c-1\",\"full\":true,\"removed\":[],\"peers\":["
            + peer("google", "8.8.8.8", "192.0.2.10:7777")
            + ","
            + peer("gateway", "10.0.1.1", "192.0.2.10:7777")
            + ","
            + peer("loopy", "100.64.0.3", "127.0.0.1:7777\"},{\"addr\":\"0.0.0.0:7777")
            + "]}";
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            String path = ex.getRequestURI().getPath();
            ex.getRequestBody().readAllBytes();
            switch (path) {
              case "/v1/register" ->
                  reply(
                      ex,
                      "{\"node_key\":\""
                          + ex.getRequestHeaders().getFirst("X-Gretun-Node")
                          + "\",\"tunnel_ip\":\"100.64.0.2\",\"prefix_length\":24,"
                          + "\"pool\":\"100.64.0.0/24\",\"stun\":[],\"cursor\":\"c-1\","
                          + "\"created\":true,\"long_poll_seconds\":3}");
              case "/v1/endpoints" -> reply(ex, "{\"ok\":true,\"cursor\":\"c-1\"}");
              case "/v1/peers" -> {
                if (ex.getRequestURI().getQuery() != null) {
                  sleep(); // a long-poll with the current cursor: nothing changed
                }
                reply(ex, peers);
              }
              case "/v1/signal" -> {
                sleep();
                reply(ex, "{\"envelopes\":[]}");
              }
              default -> {
                byte[] b = "{\"error\":\"no\",\"code\":\"not_found\"}".getBytes();
                ex.sendResponseHeaders(404, b.length);
                ex.getResponseBody().write(b);
              }
            }
          }
        });
    server.start();
    System.out.println("hostile_coordinator_listening port=" + args[1]);
  }

  private static String peer(String name, String tunnelIp, String endpoint) {
    byte[] node = new byte[32];
    byte[] disco = new byte[32];
    RANDOM.nextBytes(node);
    RANDOM.nextBytes(disco);
    return "{\"node_key\":\""
        + Base64.getEncoder().encodeToString(node)
        + "\",\"disco_key\":\""
        + Base64.getEncoder().encodeToString(disco)
        + "\",\"node_name\":\""
        + name
        + "\",\"tunnel_ip\":\""
        + tunnelIp
        + "\",\"endpoints\":[{\"addr\":\""
        + endpoint
        + "\",\"source\":\"stun\"}],\"updated_at\":\"2030-01-01T00:00:00Z\"}";
  }

  private static void sleep() {
    try {
      Thread.sleep(3000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void reply(HttpExchange ex, String json) throws IOException {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(200, b.length);
    ex.getResponseBody().write(b);
  }
}
