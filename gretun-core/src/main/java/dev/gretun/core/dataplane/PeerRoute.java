package dev.gretun.core.dataplane;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The desired data-plane state of one peer; {@link Dataplane#apply} reconciles the plane with a
 * full set of these.
 *
 * @param peer the peer's id (its disco key), stable for the peer's life
 * @param greKey the pair's GRE key (both sides derive it; docs/NAT-TRAVERSAL.md §3.2)
 * @param tunnelIp the peer's overlay address
 * @param endpoint the peer's UDP endpoint the punch chose, or null while there is none
 * @param sending whether packets go out to {@code endpoint} (false after a path loss,
 *     docs/NAT-TRAVERSAL.md §3.6); meaningless without an endpoint
 */
public record PeerRoute(
    String peer, int greKey, Inet4Address tunnelIp, InetSocketAddress endpoint, boolean sending) {
  public PeerRoute {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(tunnelIp, "tunnelIp");
  }

  /** A peer the plane knows (address and key) but does not send to yet. */
  public static PeerRoute idle(String peer, int greKey, Inet4Address tunnelIp) {
    return new PeerRoute(peer, greKey, tunnelIp, null, false);
  }

  public PeerRoute withEndpoint(InetSocketAddress endpoint) {
    return new PeerRoute(peer, greKey, tunnelIp, endpoint, true);
  }

  public PeerRoute withSending(boolean sending) {
    return new PeerRoute(peer, greKey, tunnelIp, endpoint, sending);
  }

  /** True when packets for this peer go out. */
  public boolean active() {
    return endpoint != null && sending;
  }
}
