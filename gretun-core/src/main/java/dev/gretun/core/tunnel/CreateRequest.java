package dev.gretun.core.tunnel;

/**
 * Tunnel parameters as the operator typed them (null = not given); {@link TunnelValidation} turns
 * them into a {@link TunnelSpec}. {@code encapSport} is a port number or {@code "auto"}.
 */
public record CreateRequest(
    String name,
    String local,
    String remote,
    Long key,
    Integer ttl,
    String type,
    String encap,
    String encapSport,
    Integer encapDport,
    Boolean encapCsum,
    Integer fouPort,
    String tunnelIp,
    String peerIp,
    Integer mtu) {}
