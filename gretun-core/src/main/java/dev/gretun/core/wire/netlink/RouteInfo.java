package dev.gretun.core.wire.netlink;

import java.net.Inet4Address;

/**
 * The kernel's answer to RTM_GETROUTE: source address it would use (may be null) and out device.
 */
public record RouteInfo(Inet4Address preferredSource, int outIndex) {}
