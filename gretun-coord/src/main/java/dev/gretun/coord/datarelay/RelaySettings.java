package dev.gretun.coord.datarelay;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * The data relay's configuration (docs/COORD.md "Data relay").
 *
 * @param listen the UDP address the relay binds
 * @param advertise what register replies name ({@code HOST:PORT}), or null: the listen address when
 *     it is a specific one, else the host the node used to reach the coordinator
 * @param packetsPerSecond per node: relayed datagrams it may send per second (burst: one second)
 * @param bytesPerSecond per node: relayed bytes it may send per second (burst: one second)
 * @param bindTtl a binding not refreshed within this time expires
 */
public record RelaySettings(
    InetSocketAddress listen,
    String advertise,
    long packetsPerSecond,
    long bytesPerSecond,
    Duration bindTtl) {
  public static final long DEFAULT_PACKETS_PER_SECOND = 20_000;
  public static final long DEFAULT_BYTES_PER_SECOND = 25L << 20;
  public static final Duration DEFAULT_BIND_TTL = Duration.ofSeconds(60);

  public RelaySettings {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(bindTtl, "bindTtl");
  }

  /** Defaults for everything but the listen address. */
  public static RelaySettings of(InetSocketAddress listen) {
    return new RelaySettings(
        listen, null, DEFAULT_PACKETS_PER_SECOND, DEFAULT_BYTES_PER_SECOND, DEFAULT_BIND_TTL);
  }
}
