package dev.gretun.coord.store;

import dev.gretun.core.coord.CoordWire.Endpoint;
import java.time.Instant;
import java.util.List;

/**
 * A registered node as stored. Keys are base64 of the raw 32 bytes; {@code tunnelIp} is the IPv4
 * address as an unsigned value; {@code version} is the store version of its last visible change;
 * {@code nat} is the NAT type it published (a {@code NatType} wire name, validated on input).
 */
public record NodeRecord(
    String nodeKey,
    String discoKey,
    String name,
    long tunnelIp,
    List<Endpoint> endpoints,
    Instant createdAt,
    Instant updatedAt,
    long version,
    String joinKeyId,
    String nat) {
  public NodeRecord {
    endpoints = List.copyOf(endpoints);
  }

  public String tunnelIpText() {
    return IpPool.format((int) tunnelIp);
  }
}
