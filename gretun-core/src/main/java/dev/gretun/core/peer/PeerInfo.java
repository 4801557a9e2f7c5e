package dev.gretun.core.peer;

import dev.gretun.core.netcheck.NatType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * What the coordinator says about a peer.
 *
 * @param name the peer's node name (for logs and {@code gretun peers})
 * @param tunnelIp the peer's overlay address, or null when the coordinator has none yet
 * @param endpoints the peer's UDP endpoints (local addresses and its STUN mapping of port P)
 * @param nat the NAT type the peer published (its netcheck); picks the punching roles
 */
public record PeerInfo(
    String name, InetAddress tunnelIp, List<InetSocketAddress> endpoints, NatType nat) {
  public PeerInfo {
    Objects.requireNonNull(name, "name");
    endpoints = List.copyOf(endpoints);
    Objects.requireNonNull(nat, "nat");
  }

  /** A peer whose NAT type is not known. */
  public PeerInfo(String name, InetAddress tunnelIp, List<InetSocketAddress> endpoints) {
    this(name, tunnelIp, endpoints, NatType.UNKNOWN);
  }
}
