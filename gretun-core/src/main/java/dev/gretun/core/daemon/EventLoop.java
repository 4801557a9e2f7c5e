package dev.gretun.core.daemon;

import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread ({@code event-loop}) that owns the daemon's mutable state: every task of {@link
 * DaemonCore} runs here, in order. Other threads hand work in with {@link #execute} or, for
 * datagrams from the packet threads, with the bounded {@link #offer}.
 */
final class EventLoop implements Executor, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EventLoop.class);

  /** Disco/STUN datagrams queued beyond this are dropped (and counted by the data plane). */
  static final int MAX_DATAGRAM_BACKLOG = 1024;

  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("event-loop").daemon().factory());
  private final AtomicInteger backlog = new AtomicInteger();

  @Override
  public void execute(Runnable task) {
    executor.execute(task);
  }

  /** Queues a datagram's handling unless the backlog is full; false = dropped. */
  boolean offer(Runnable datagramTask) {
    if (backlog.incrementAndGet() > MAX_DATAGRAM_BACKLOG) {
      backlog.decrementAndGet();
      return false;
    }
    try {
      executor.execute(
          () -> {
            backlog.decrementAndGet();
            datagramTask.run();
          });
      return true;
    } catch (RejectedExecutionException e) {
      backlog.decrementAndGet();
      return false;
    }
  }

  /** Runs {@code task} every {@code period}; a failure is logged and the next run happens. */
  void every(long period, TimeUnit unit, String name, Runnable task) {
    executor.scheduleAtFixedRate(
        () -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            log.error("loop_task_failed task={} error={}", name, e.toString(), e);
          }
        },
        period,
        period,
        unit);
  }

  /** Runs {@code task} on the loop and waits for its result (at most 5 s). */
  <T> T call(Callable<T> task) throws Exception {
    return executor.submit(task).get(5, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
