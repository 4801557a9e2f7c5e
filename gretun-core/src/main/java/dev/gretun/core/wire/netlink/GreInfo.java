package dev.gretun.core.wire.netlink;

import java.net.Inet4Address;

/**
 * GRE parameters as the kernel reports them in IFLA_INFO_DATA. Keys are unsigned 32-bit values,
 * null when the direction is keyless (GRE_KEY not set in the flags).
 */
public record GreInfo(
    Inet4Address local,
    Inet4Address remote,
    Long ikey,
    Long okey,
    int ttl,
    boolean pmtudisc,
    int encapType,
    int encapFlags,
    int encapSport,
    int encapDport) {}
