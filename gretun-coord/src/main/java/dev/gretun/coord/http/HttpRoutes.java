package dev.gretun.coord.http;

import java.util.concurrent.CompletableFuture;

/** What one listener answers: the public API ({@link CoordApi}) or the metrics listener. */
interface HttpRoutes {
  /** Completes with the reply; never completes exceptionally. */
  CompletableFuture<ApiResponse> handle(ApiRequest req);

  /** Metrics label of a path: one of the listener's routes or "other". */
  String label(String path);
}
