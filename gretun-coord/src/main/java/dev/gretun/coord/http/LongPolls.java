package dev.gretun.coord.http;

import dev.gretun.coord.CoordRejection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Long-poll waits: at most {@code perNode} concurrent polls per slot (node and kind), each waiting
 * for a wake-up or the poll timeout, holding no thread; and the drain switch that stops new waits.
 */
final class LongPolls {
  private final int perNode;
  private final Duration timeout;
  private final Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();
  private volatile boolean draining;

  LongPolls(int perNode, Duration timeout) {
    this.perNode = perNode;
    this.timeout = timeout;
  }

  /** True once {@link #drain} was called: answer at once instead of waiting. */
  boolean draining() {
    return draining;
  }

  void drain() {
    draining = true;
  }

  /**
   * Takes a place in {@code slot}, then waits until the future from {@code wake} completes or the
   * timeout passes, counting the wait in {@code waiting}, then answers with {@code reply}.
   *
   * @throws CoordRejection too_many_polls when the slot is full
   */
  CompletableFuture<ApiResponse> await(
      String slot,
      AtomicInteger waiting,
      Supplier<CompletableFuture<Void>> wake,
      Supplier<ApiResponse> reply) {
    AtomicInteger count = take(slot);
    waiting.incrementAndGet();
    return wake.get()
        .completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (ok, err) -> {
              count.decrementAndGet();
              waiting.decrementAndGet();
              return reply.get();
            });
  }

  private AtomicInteger take(String slot) {
    AtomicInteger c = polls.computeIfAbsent(slot, k -> new AtomicInteger());
    if (c.incrementAndGet() > perNode) {
      c.decrementAndGet();
      throw new CoordRejection(
          429,
          "too_many_polls",
          "at most " + perNode + " concurrent long-polls of this kind per node");
    }
    return c;
  }
}
