package dev.gretun.core.peer;

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
 */
public record PeerInfo(String name, InetAddress tunnelIp, List<InetSocketAddress> endpoints) {
  public PeerInfo {
    Objects.requireNonNull(name, "name");
    endpoints = List.copyOf(endpoints);
  }
}
