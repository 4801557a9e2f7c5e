package dev.gretun.coord.http;

import dev.gretun.coord.metrics.CoordMetrics;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The metrics listener ({@code --metrics-listen}, loopback by default): only {@code GET /metrics}.
 * It is kept off the public listener because node counts and auth-failure rates tell an attacker
 * how an attack is going.
 */
final class MetricsRoutes implements HttpRoutes {
  private final CoordMetrics metrics;
  private final Executor worker;

  MetricsRoutes(CoordMetrics metrics, Executor worker) {
    this.metrics = metrics;
    this.worker = worker;
  }

  @Override
  public CompletableFuture<ApiResponse> handle(ApiRequest req) {
    if (!req.path().equals("/metrics")) {
      return CompletableFuture.completedFuture(
          ApiResponse.error(404, "not_found", "no such route: " + req.path()));
    }
    if (!req.method().equals("GET")) {
      return CompletableFuture.completedFuture(
          ApiResponse.error(405, "method_not_allowed", req.method() + " not allowed; use GET")
              .withHeader("Allow", "GET"));
    }
    return CompletableFuture.supplyAsync(
        () -> ApiResponse.text("text/plain; version=0.0.4; charset=utf-8", metrics.scrape()),
        worker);
  }

  @Override
  public String label(String path) {
    return path.equals("/metrics") ? "metrics" : "other";
  }
}
