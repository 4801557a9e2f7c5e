package dev.gretun.coord;

import dev.gretun.coord.store.IpPool;
import dev.gretun.coord.tls.ServerTls;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything the server needs, validated by the command line. {@code stunListen} null = STUN off;
 * empty {@code stunAdvertise} = derive from the listen address or the request's Host header; {@code
 * adminToken} null = /debug only from loopback. {@code tls} is HTTPS or {@link
 * ServerTls#plainHttp()}.
 */
public record CoordConfig(
    InetSocketAddress listen,
    IpPool pool,
    Path stateDir,
    boolean requireJoinKeys,
    Duration longPoll,
    InetSocketAddress stunListen,
    List<String> stunAdvertise,
    String adminToken,
    Limits limits,
    ServerTls tls) {

  /** Resource limits; {@link #defaults()} are what the CLI uses. */
  public record Limits(
      int maxBodyBytes,
      int maxHeaderBytes,
      int maxInitialLineBytes,
      Duration idleTimeout,
      Duration authWindow,
      int maxRememberedSignatures,
      int pollsPerNode,
      int signalsPerRecipient,
      Duration signalTtl,
      double signalsPerSecond,
      int signalBurst,
      int maxEndpoints,
      int maxSealedBytes,
      Duration shutdownGrace) {
    public static Limits defaults() {
      return new Limits(
          64 * 1024,
          8 * 1024,
          4 * 1024,
          Duration.ofSeconds(30),
          Duration.ofSeconds(60),
          1_000_000,
          2,
          64,
          Duration.ofSeconds(30),
          10,
          40,
          16,
          4096,
          Duration.ofSeconds(5));
    }
  }
}
