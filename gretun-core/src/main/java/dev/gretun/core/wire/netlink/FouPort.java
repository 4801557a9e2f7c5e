package dev.gretun.core.wire.netlink;

/** A kernel FOU receive port: UDP port, address family, carried IP protocol, FOU_ENCAP_* type. */
public record FouPort(int port, int family, int ipproto, int type) {}
