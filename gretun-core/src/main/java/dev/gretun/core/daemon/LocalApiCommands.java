package dev.gretun.core.daemon;

import dev.gretun.core.daemon.localapi.LocalApiRequest;
import dev.gretun.core.daemon.localapi.LocalApiServer;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the local API socket answers: {@code peers} (the peer table), {@code ping} (an operator
 * disco ping, arguments {@code peer} and {@code timeout_ms}) and {@code down} (stop the daemon as
 * SIGTERM would). Runs on the local API's connection threads; daemon state is read and changed on
 * the event loop only.
 */
final class LocalApiCommands implements Function<LocalApiRequest, Object> {
  private static final Logger log = LoggerFactory.getLogger(LocalApiCommands.class);
  static final long DEFAULT_PING_TIMEOUT_MS = 2000;
  static final long MAX_PING_TIMEOUT_MS = 30_000;

  private final EventLoop loop;
  private final DaemonCore core;
  private final Runnable stop;

  LocalApiCommands(EventLoop loop, DaemonCore core, Runnable stop) {
    this.loop = loop;
    this.core = core;
    this.stop = stop;
  }

  @Override
  public Object apply(LocalApiRequest r) {
    return switch (r.cmd()) {
      case "peers" -> onLoop(core::snapshot);
      case "ping" -> ping(r);
      case "down" -> {
        log.info("daemon_stop_requested via=local_api");
        yield new LocalApiServer.AfterReply(
            Map.of("stopping", true), () -> Thread.ofPlatform().name("daemon-stop").start(stop));
      }
      default ->
          throw new IllegalArgumentException(
              "unknown command '" + r.cmd() + "' (known: peers, ping, down)");
    };
  }

  private PingReply ping(LocalApiRequest r) {
    String peer = r.text("peer");
    if (peer == null || peer.isBlank()) {
      throw new IllegalArgumentException("ping needs a peer: a name, tunnel address or key");
    }
    long timeoutMs = r.number("timeout_ms", 1, MAX_PING_TIMEOUT_MS, DEFAULT_PING_TIMEOUT_MS);
    DaemonCore.PingStarted started = onLoop(() -> core.startPing(peer));
    try {
      return started.reply().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      loop.execute(() -> core.forgetPing(started.tx()));
      return started.base().withoutPong("no pong within " + timeoutMs + " ms");
    } catch (ExecutionException e) {
      throw new IllegalArgumentException("ping failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalArgumentException("interrupted");
    }
  }

  private <T> T onLoop(java.util.concurrent.Callable<T> task) {
    try {
      return loop.call(task);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new IllegalArgumentException("failed: " + e.getCause());
    } catch (Exception e) {
      throw new IllegalArgumentException("daemon busy: " + e);
    }
  }
}
