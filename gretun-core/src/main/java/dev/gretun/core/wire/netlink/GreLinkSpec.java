package dev.gretun.core.wire.netlink;

import java.net.Inet4Address;

/**
 * What to put in an RTM_NEWLINK for a GRE device. {@code key} null = keyless; {@code encapType} is
 * a {@code TUNNEL_ENCAP_*} value, {@code encapSport} 0 = kernel-chosen (flow hash) source port.
 */
public record GreLinkSpec(
    String name,
    GreKind kind,
    Inet4Address local,
    Inet4Address remote,
    Long key,
    int ttl,
    boolean pmtudisc,
    int encapType,
    int encapSport,
    int encapDport,
    boolean encapCsum) {}
