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
 * @param mapped the one of {@code endpoints} the peer posted as its STUN mapping, or null when it
 *     posted none (its STUN had not answered): then only its LAN addresses are known
 */
public record PeerInfo(
    String name,
    InetAddress tunnelIp,
    List<InetSocketAddress> endpoints,
    NatType nat,
    InetSocketAddress mapped) {
  public PeerInfo {
    Objects.requireNonNull(name, "name");
    endpoints = List.copyOf(endpoints);
    Objects.requireNonNull(nat, "nat");
  }

  /** A peer without a STUN mapping among its endpoints. */
  public PeerInfo(
      String name, InetAddress tunnelIp, List<InetSocketAddress> endpoints, NatType nat) {
    this(name, tunnelIp, endpoints, nat, null);
  }

  /** A peer whose NAT type is not known, without a STUN mapping among its endpoints. */
  public PeerInfo(String name, InetAddress tunnelIp, List<InetSocketAddress> endpoints) {
    this(name, tunnelIp, endpoints, NatType.UNKNOWN, null);
  }
}
