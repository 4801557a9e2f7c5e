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
 * @param relay the coordinator's data relay, or null: while the direct path does not send, packets
 *     go there (same GRE key) and keyed GRE from there is accepted for this peer
 */
public record PeerRoute(
    String peer,
    int greKey,
    Inet4Address tunnelIp,
    InetSocketAddress endpoint,
    boolean sending,
    InetSocketAddress relay) {
  public PeerRoute {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(tunnelIp, "tunnelIp");
  }

  /** A peer the plane knows (address and key) but does not send to yet. */
  public static PeerRoute idle(String peer, int greKey, Inet4Address tunnelIp) {
    return new PeerRoute(peer, greKey, tunnelIp, null, false, null);
  }

  public PeerRoute withEndpoint(InetSocketAddress endpoint) {
    return new PeerRoute(peer, greKey, tunnelIp, endpoint, true, relay);
  }

  public PeerRoute withSending(boolean sending) {
    return new PeerRoute(peer, greKey, tunnelIp, endpoint, sending, relay);
  }

  public PeerRoute withRelay(InetSocketAddress relay) {
    return new PeerRoute(peer, greKey, tunnelIp, endpoint, sending, relay);
  }

  /** True when packets for this peer go out on the direct path. */
  public boolean active() {
    return endpoint != null && sending;
  }

  /** True when packets for this peer go out through the relay (no direct path sends). */
  public boolean relayed() {
    return !active() && relay != null;
  }
}
