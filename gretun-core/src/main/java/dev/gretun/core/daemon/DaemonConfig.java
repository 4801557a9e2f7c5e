package dev.gretun.core.daemon;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything {@code gretun up} was told, validated. Defaults live in {@link #DEFAULT_PORT} etc. so
 * the CLI and tests share them.
 *
 * @param coordinator base URL of gretun-coord (http or https)
 * @param authKey join key for the first registration; null when the node is already registered or
 *     the coordinator runs without join keys
 * @param hostname name announced to peers
 * @param stateDir where the node and disco keys live
 * @param port the one UDP port P used for STUN, disco and data (docs/NAT-TRAVERSAL.md §2)
 * @param dataplane which data plane to run
 * @param tunName TUN device name for the userspace data plane
 * @param localApiSocket Unix socket for {@code gretun peers} ({@code --control-socket})
 * @param metricsAddr where to serve Prometheus metrics, or null
 * @param openerTtl IP TTL of the low-TTL opener's first pings (docs/NAT-TRAVERSAL.md §3.1)
 * @param punchTimeout how long punching may take before the peer is reported as no_path
 * @param coordinatorCa PEM file of the CA(s) to trust for an https coordinator instead of the
 *     system trust store, or null
 * @param insecureHttp whether an http:// coordinator is allowed (peer lists travel in clear)
 */
public record DaemonConfig(
    URI coordinator,
    String authKey,
    String hostname,
    Path stateDir,
    int port,
    DataplaneMode dataplane,
    String tunName,
    Path localApiSocket,
    InetSocketAddress metricsAddr,
    int openerTtl,
    Duration punchTimeout,
    Path coordinatorCa,
    boolean insecureHttp) {

  public static final int DEFAULT_PORT = 7777;
  public static final String DEFAULT_LOCAL_API_SOCKET = "/run/gretun/gretun.sock";
  public static final String DEFAULT_TUN = "gretun0";
  public static final int DEFAULT_OPENER_TTL = 2;
  public static final Duration DEFAULT_PUNCH_TIMEOUT = Duration.ofSeconds(10);

  public DaemonConfig {
    Objects.requireNonNull(coordinator, "coordinator");
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(dataplane, "dataplane");
    Objects.requireNonNull(tunName, "tunName");
    Objects.requireNonNull(localApiSocket, "localApiSocket");
    Objects.requireNonNull(punchTimeout, "punchTimeout");
    String scheme = coordinator.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme) || coordinator.getHost() == null) {
      throw new IllegalArgumentException(
          "invalid --coordinator '"
              + coordinator
              + "': use https://HOST:PORT (or http://HOST:PORT with --insecure-http)");
    }
    if ("http".equals(scheme) && !insecureHttp) {
      throw new IllegalArgumentException(
          "--coordinator "
              + coordinator
              + " is plain HTTP (peer lists travel in clear): use https://, or pass"
              + " --insecure-http (labs only)");
    }
    if ("http".equals(scheme) && coordinatorCa != null) {
      throw new IllegalArgumentException("--coordinator-ca needs an https:// --coordinator");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("invalid --port " + port + ": use 1-65535");
    }
    if (openerTtl < 1 || openerTtl > 64) {
      throw new IllegalArgumentException(
          "invalid --opener-ttl " + openerTtl + ": use 1-64 (2 opens only your own NAT)");
    }
    if (!tunName.matches("[A-Za-z0-9_.-]{1,15}")) {
      throw new IllegalArgumentException(
          "invalid --tun-name '" + tunName + "': 1-15 characters of A-Z a-z 0-9 _ . -");
    }
    if (punchTimeout.isNegative() || punchTimeout.isZero()) {
      throw new IllegalArgumentException("invalid --punch-timeout: must be positive");
    }
    if (hostname.isBlank() || hostname.length() > 63) {
      throw new IllegalArgumentException("invalid --hostname: 1-63 characters");
    }
  }
}
