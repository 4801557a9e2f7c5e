package dev.gretun.core.daemon;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * Everything {@code gretun up} was told, validated. Defaults live in {@link #DEFAULT_PORT} etc. so
 * the CLI and tests share them.
 *
 * @param coordinators base URLs of gretun-coord's replicas (http or https), tried in this order
 *     (docs/CLI.md "gretun up": failover)
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
 * @param aggressivePunch {@code --aggressive-punch}: easy/hard pairs try the birthday punch
 *     (docs/DAEMON.md, "Birthday punch") instead of going to the relay at once
 */
public record DaemonConfig(
    List<URI> coordinators,
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
    boolean insecureHttp,
    boolean aggressivePunch) {

  public static final int DEFAULT_PORT = 7777;
  public static final String DEFAULT_LOCAL_API_SOCKET = "/run/gretun/gretun.sock";
  public static final String DEFAULT_TUN = "gretun0";
  public static final int DEFAULT_OPENER_TTL = 2;
  public static final Duration DEFAULT_PUNCH_TIMEOUT = Duration.ofSeconds(10);

  public DaemonConfig {
    if (coordinators == null || coordinators.isEmpty()) {
      throw new IllegalArgumentException("--coordinator needs at least one URL");
    }
    coordinators = List.copyOf(coordinators);
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(dataplane, "dataplane");
    Objects.requireNonNull(tunName, "tunName");
    Objects.requireNonNull(localApiSocket, "localApiSocket");
    Objects.requireNonNull(punchTimeout, "punchTimeout");
    if (new HashSet<>(coordinators).size() != coordinators.size()) {
      throw new IllegalArgumentException("--coordinator names a URL twice: " + coordinators);
    }
    for (URI coordinator : coordinators) {
      checkCoordinator(coordinator, coordinatorCa, insecureHttp);
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

  /**
   * The URLs of {@code --coordinator URL[,URL…]}, in order; IllegalArgumentException naming the
   * part that is not a URL. Each is then checked like a single one (scheme, TLS flags).
   */
  public static List<URI> parseCoordinators(String text) {
    List<URI> out = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String url = part.strip();
      if (url.isEmpty()) {
        throw new IllegalArgumentException(
            "invalid --coordinator '"
                + text
                + "': an empty URL in the list (use URL or URL,URL with no empty entries)");
      }
      try {
        out.add(new URI(url));
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(
            "invalid --coordinator URL '" + url + "': " + e.getMessage());
      }
    }
    return out;
  }

  /** The rules of one coordinator URL; every URL of the list must pass them alike. */
  private static void checkCoordinator(URI coordinator, Path coordinatorCa, boolean insecureHttp) {
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
      throw new IllegalArgumentException(
          "--coordinator-ca needs an https:// --coordinator (" + coordinator + " is http)");
    }
  }
}
