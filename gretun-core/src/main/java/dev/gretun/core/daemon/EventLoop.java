package dev.gretun.core.daemon;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
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

  private final ScheduledExecutorService executor = newExecutor();
  private final AtomicInteger backlog = new AtomicInteger();

  /** The paced task ({@link #paced}), its next run and how soon work handed in pulls it forward. */
  private LongSupplier pacedTask;

  private String pacedName;
  private long pacedSoonNanos;
  private ScheduledFuture<?> pacedNext;
  private long pacedDueNanos;

  /** Runs {@code task} on the loop; the paced task then runs within its "soon" delay. */
  @Override
  public void execute(Runnable task) {
    executor.execute(
        () -> {
          try {
            task.run();
          } finally {
            pullPacedForward();
          }
        });
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
            try {
              datagramTask.run();
            } finally {
              pullPacedForward();
            }
          });
      return true;
    } catch (RejectedExecutionException e) {
      backlog.decrementAndGet();
      return false;
    }
  }

  /**
   * Runs {@code task} every {@code period}; a failure is logged and the next run happens. Like
   * handed-in work, it pulls the paced task forward.
   */
  void every(long period, TimeUnit unit, String name, Runnable task) {
    executor.scheduleAtFixedRate(
        () -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            log.error("loop_task_failed task={} error={}", name, e.toString(), e);
          } finally {
            pullPacedForward();
          }
        },
        period,
        period,
        unit);
  }

  /**
   * Runs {@code task} now and then again after the delay (nanoseconds) each run returns, so the
   * loop sleeps as long as the task says nothing is due. Work handed in with {@link #execute} or
   * {@link #offer} may make something due: after it, the next run is at most {@code soon} away. A
   * failure is logged and the next run is {@code soon} away. One paced task per loop.
   */
  void paced(Duration soon, String name, LongSupplier task) {
    executor.execute(
        () -> {
          pacedTask = task;
          pacedName = name;
          pacedSoonNanos = soon.toNanos();
          runPaced();
        });
  }

  private void runPaced() {
    long delay = pacedSoonNanos;
    try {
      delay = Math.max(0, pacedTask.getAsLong());
    } catch (RuntimeException e) {
      log.error("loop_task_failed task={} error={}", pacedName, e.toString(), e);
    }
    schedulePaced(delay);
  }

  private void schedulePaced(long delayNanos) {
    if (pacedNext != null) {
      pacedNext.cancel(false);
    }
    pacedDueNanos = System.nanoTime() + delayNanos;
    try {
      pacedNext = executor.schedule(this::runPaced, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      pacedNext = null; // closed
    }
  }

  /** On the loop, after handed-in work: the paced task runs within its "soon" delay. */
  private void pullPacedForward() {
    if (pacedTask != null && pacedDueNanos - System.nanoTime() > pacedSoonNanos) {
      schedulePaced(pacedSoonNanos);
    }
  }

  /** Runs {@code task} on the loop and waits for its result (at most 5 s). */
  <T> T call(Callable<T> task) throws Exception {
    return executor.submit(task).get(5, TimeUnit.SECONDS);
  }

  /** One thread; a cancelled run of the paced task leaves the queue at once, not when due. */
  private static ScheduledExecutorService newExecutor() {
    ScheduledThreadPoolExecutor e =
        new ScheduledThreadPoolExecutor(
            1, Thread.ofPlatform().name("event-loop").daemon().factory());
    e.setRemoveOnCancelPolicy(true);
    return e;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
