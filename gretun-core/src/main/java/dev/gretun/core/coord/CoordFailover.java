package dev.gretun.core.coord;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator URLs of one node ({@code --coordinator URL[,URL…]}) and the one it talks to now.
 * A request goes to the current URL; when no answer comes back (an I/O error, a timeout, a TLS
 * failure) or a proxy says the replica behind it is gone (502, 503, 504), the next URL becomes
 * current and the request is sent there, each URL at most once per request. Every other status, 4xx
 * above all, is the coordinator's answer and goes back to the caller unchanged. When every URL
 * failed, the last failure goes back, and the caller's retry and backoff apply as with one URL.
 *
 * <p>There is no fail-back: a node stays on the URL that works, so its long-polls are not moved
 * between replicas while they all run. Thread-safe: the sender and both long-polls share one.
 */
public final class CoordFailover {
  private static final Logger LOG = LoggerFactory.getLogger(CoordFailover.class);

  private final List<URI> urls;
  private int current; // guarded by this

  public CoordFailover(List<URI> urls) {
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("no coordinator URL");
    }
    this.urls = List.copyOf(urls);
  }

  /** One request to the coordinator at {@code base}. */
  @FunctionalInterface
  public interface Attempt<T> {
    T at(URI base) throws IOException, InterruptedException;
  }

  public List<URI> urls() {
    return urls;
  }

  /** The URL requests go to now. */
  public synchronized URI current() {
    return urls.get(current);
  }

  /** Runs {@code attempt} at the current URL, moving on to the next while the replica is gone. */
  public <T> T call(Attempt<T> attempt) throws IOException, InterruptedException {
    URI base = current();
    for (int tried = 1; ; tried++) {
      try {
        return attempt.at(base);
      } catch (CoordException e) {
        if (!replicaGone(e) || tried >= urls.size()) {
          throw e;
        }
        base = moveOn(base, "http_" + e.status(), e.getMessage());
      } catch (IOException e) {
        if (tried >= urls.size()) {
          throw e;
        }
        base = moveOn(base, reason(e), e.getMessage() == null ? e.toString() : e.getMessage());
      }
    }
  }

  /** 502/503/504: what a proxy or load balancer says when the replica behind it does not answer. */
  static boolean replicaGone(CoordException e) {
    return e.status() == 502 || e.status() == 503 || e.status() == 504;
  }

  private static String reason(IOException e) {
    if (e instanceof CoordTlsException) {
      return "tls";
    }
    if (e instanceof HttpTimeoutException) {
      return "timeout";
    }
    if (e instanceof ConnectException) {
      return "connect";
    }
    return "io";
  }

  /**
   * Makes the URL after {@code failed} current, unless another request already moved on from it
   * (the long-polls held at a dead replica fail together; the second must not skip a good URL).
   */
  private synchronized URI moveOn(URI failed, String reason, String error) {
    if (urls.get(current).equals(failed)) {
      current = (current + 1) % urls.size();
      LOG.warn(
          "coordinator_failover from={} to={} reason={} error={}",
          failed,
          urls.get(current),
          reason,
          error);
    }
    return urls.get(current);
  }
}
