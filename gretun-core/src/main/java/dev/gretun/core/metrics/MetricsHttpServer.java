package dev.gretun.core.metrics;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * Serves a Prometheus registry on {@code GET /metrics} with the JDK's built-in HTTP server (the
 * daemon needs nothing more; the coordinator uses Netty).
 */
public final class MetricsHttpServer implements AutoCloseable {
  private final HttpServer server;

  private MetricsHttpServer(HttpServer server) {
    this.server = server;
  }

  public static MetricsHttpServer start(InetSocketAddress bind, PrometheusMeterRegistry registry)
      throws IOException {
    HttpServer server = HttpServer.create(bind, 16);
    server.createContext(
        "/metrics",
        exchange -> {
          byte[] body;
          int status;
          if (!"GET".equals(exchange.getRequestMethod())) {
            status = 405;
            body = "{\"error\":\"use GET\",\"code\":\"method\"}\n".getBytes(StandardCharsets.UTF_8);
          } else {
            status = 200;
            body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange
                .getResponseHeaders()
                .set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
          }
          exchange.sendResponseHeaders(status, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.setExecutor(Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().factory()));
    server.start();
    return new MetricsHttpServer(server);
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
