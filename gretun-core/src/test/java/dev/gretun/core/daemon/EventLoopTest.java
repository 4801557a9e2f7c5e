package dev.gretun.core.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link EventLoop#paced}: the task runs again after the delay it returns, and work handed in pulls
 * that run forward. The paced task here asks for an hour, so a second run within the (generous)
 * wait can only come from the pull; nothing asserts how fast anything is.
 */
class EventLoopTest {
  private static final long HOUR = Duration.ofHours(1).toNanos();
  private static final Duration SOON = Duration.ofMillis(1);

  private static void await(Semaphore runs) throws InterruptedException {
    assertTrue(runs.tryAcquire(10, TimeUnit.SECONDS), "the paced task did not run");
  }

  @Test
  void runsAtOnceThenSleepsUntilWorkIsHandedIn() throws Exception {
    try (EventLoop loop = new EventLoop()) {
      Semaphore runs = new Semaphore(0);
      AtomicInteger count = new AtomicInteger();
      loop.paced(
          SOON,
          "test",
          () -> {
            count.incrementAndGet();
            runs.release();
            return HOUR;
          });
      await(runs);
      assertEquals(1, loop.call(count::get), "asked for an hour: no second run yet");
      loop.execute(() -> {});
      await(runs);
      assertTrue(loop.offer(() -> {}));
      await(runs);
      assertEquals(3, loop.call(count::get));
    }
  }

  @Test
  void shortDelaysRunAgainOnTheirOwn() throws Exception {
    try (EventLoop loop = new EventLoop()) {
      Semaphore runs = new Semaphore(0);
      loop.paced(
          SOON,
          "test",
          () -> {
            runs.release();
            return 0;
          });
      for (int i = 0; i < 5; i++) {
        await(runs);
      }
    }
  }

  @Test
  void aFailingRunIsLoggedAndTheTaskRunsAgain() throws Exception {
    try (EventLoop loop = new EventLoop()) {
      Semaphore runs = new Semaphore(0);
      AtomicInteger count = new AtomicInteger();
      loop.paced(
          SOON,
          "test",
          () -> {
            runs.release();
            if (count.incrementAndGet() == 1) {
              throw new IllegalStateException("first run fails");
            }
            return HOUR;
          });
      await(runs);
      await(runs); // the failure scheduled the next run "soon"
      assertEquals(2, loop.call(count::get));
    }
  }
}
