package dev.gretun.core.coord;

import dev.gretun.core.coord.CoordWire.Envelope;
import dev.gretun.core.coord.CoordWire.PeersResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A long-poll loop on its own virtual thread: the peers watch (cursor kept between polls; every
 * answer with a new cursor is handed to the listener) or the signal pull. Failures back off
 * exponentially with jitter; {@link #close} stops the loop and interrupts a pending request.
 */
// close() waits for the loop thread, so it may be interrupted; callers handle that (javac's
// -Xlint:try).
@SuppressWarnings("try")
public final class CoordWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CoordWatch.class);

  private final Thread thread;
  private volatile boolean closed;

  private CoordWatch(String name, Loop loop, Backoff backoff) {
    this.thread =
        Thread.ofVirtual()
            .name(name)
            .start(
                () -> {
                  while (!closed) {
                    try {
                      loop.once();
                      backoff.reset();
                    } catch (InterruptedException e) {
                      return;
                    } catch (IOException | RuntimeException e) {
                      if (closed) {
                        return;
                      }
                      Duration d = backoff.nextDelay();
                      LOG.warn(
                          "coord_poll_failed loop={} error={} retry_ms={}",
                          name,
                          e.getMessage(),
                          d.toMillis());
                      try {
                        Thread.sleep(d);
                      } catch (InterruptedException ie) {
                        return;
                      }
                    }
                  }
                });
  }

  @FunctionalInterface
  private interface Loop {
    void once() throws IOException, InterruptedException;
  }

  /** Default backoff for watch loops: 500 ms doubling up to 30 s. */
  public static Backoff defaultBackoff() {
    return new Backoff(
        Duration.ofMillis(500), Duration.ofSeconds(30), RandomGenerator.getDefault());
  }

  /** Polls peers forever; {@code listener} gets every answer whose cursor differs from the last. */
  public static CoordWatch peers(
      CoordClient client, Backoff backoff, Consumer<PeersResponse> listener) {
    String[] cursor = {null};
    return new CoordWatch(
        "coord-peers",
        () -> {
          PeersResponse r = client.peers(cursor[0]);
          if (!r.cursor().equals(cursor[0])) {
            cursor[0] = r.cursor();
            listener.accept(r);
          }
        },
        backoff);
  }

  /** Pulls relayed envelopes forever and hands each to {@code listener}. */
  public static CoordWatch signals(
      CoordClient client, Backoff backoff, Consumer<Envelope> listener) {
    return new CoordWatch(
        "coord-signals",
        () -> {
          List<Envelope> envs = client.pullSignals();
          envs.forEach(listener);
        },
        backoff);
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    thread.interrupt();
    thread.join(Duration.ofSeconds(5));
  }
}
