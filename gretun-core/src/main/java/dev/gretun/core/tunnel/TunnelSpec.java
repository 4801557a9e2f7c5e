package dev.gretun.core.tunnel;

import dev.gretun.core.wire.netlink.GreKind;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import java.net.Inet4Address;

/**
 * A validated tunnel to create (see {@link TunnelValidation}): the gre link as the kernel gets it,
 * plus {@code fouPort} (with {@link Encap#FOU}: the local FOU receive port, else 0), {@code
 * tunnelIp} and {@code peerIp} (point-to-point peer), both may be null, and {@code mtu} (null = the
 * default of {@link #effectiveMtu()}).
 */
public record TunnelSpec(
    GreLinkSpec link, int fouPort, Cidr tunnelIp, Inet4Address peerIp, Integer mtu) {

  /** Ethernet header a gretap device carries inside GRE. */
  public static final int ETH_HLEN = 14;

  /** 1500 − 20 (outer IPv4) − 8 (UDP) − 4 (GRE) — docs/NAT-TRAVERSAL.md §3.4. */
  public static final int FOU_MTU = 1468;

  public Encap encap() {
    return Encap.ofKernelType(link.encapType());
  }

  /**
   * The MTU to set, or null to keep the kernel's choice (bare GRE: the kernel derives it from the
   * underlying device). With FOU: 1468, 4 less with a key (GRE key field), 14 less for gretap.
   */
  public Integer effectiveMtu() {
    if (mtu != null) {
      return mtu;
    }
    if (encap() != Encap.FOU) {
      return null;
    }
    return FOU_MTU - (link.key() != null ? 4 : 0) - (link.kind() == GreKind.GRETAP ? ETH_HLEN : 0);
  }
}
