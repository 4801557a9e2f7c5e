package dev.gretun.coord;

import dev.gretun.coord.datarelay.RelaySettings;
import dev.gretun.coord.store.IpPool;
import dev.gretun.coord.tls.ServerTls;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything the server needs, validated by the command line. {@code stunListen} empty = STUN off
 * (each address also serves port+1, RFC 5780); empty {@code stunAdvertise} = derive from the listen
 * address or the request's Host header; {@code adminToken} null = /debug/peers refused to everyone;
 * {@code metricsListen} null = no metrics listener. {@code tls} is HTTPS or {@link
 * ServerTls#plainHttp()}. {@code relay} null = no data relay.
 */
public record CoordConfig(
    InetSocketAddress listen,
    IpPool pool,
    Path stateDir,
    boolean requireJoinKeys,
    Duration longPoll,
    List<InetSocketAddress> stunListen,
    List<String> stunAdvertise,
    String adminToken,
    Limits limits,
    InetSocketAddress metricsListen,
    ServerTls tls,
    RelaySettings relay) {

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
      Duration shutdownGrace,
      Connections connections) {
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
          Duration.ofSeconds(5),
          Connections.defaults());
    }

    public Limits withConnections(Connections c) {
      return new Limits(
          maxBodyBytes,
          maxHeaderBytes,
          maxInitialLineBytes,
          idleTimeout,
          authWindow,
          maxRememberedSignatures,
          pollsPerNode,
          signalsPerRecipient,
          signalTtl,
          signalsPerSecond,
          signalBurst,
          maxEndpoints,
          maxSealedBytes,
          shutdownGrace,
          c);
    }
  }

  /**
   * Per-connection bounds against slow and greedy clients: {@code requestTimeout} from the first
   * byte of a request until its body is complete (a held long-poll does not count: it starts after
   * the request is complete); {@code writeTimeout} for a reply to drain; {@code perIp} and {@code
   * total} open connections (0 = no cap; {@code total} 0 = derived from the fd limit at start);
   * {@code pipelined} complete requests queued behind the one being answered.
   */
  public record Connections(
      Duration requestTimeout, Duration writeTimeout, int perIp, int total, int pipelined) {
    public static Connections defaults() {
      return new Connections(Duration.ofSeconds(20), Duration.ofSeconds(30), 64, 0, 4);
    }
  }
}
