package dev.gretun.core.tunnel;

import dev.gretun.core.wire.netlink.GreKind;
import java.net.Inet4Address;

/**
 * A validated tunnel to create (see {@link TunnelValidation}). {@code key} null = keyless; with
 * {@link Encap#FOU}: {@code encapSport} 0 = kernel-chosen, {@code fouPort} = local FOU receive
 * port; {@code tunnelIp} and {@code peerIp} (point-to-point peer) may be null; {@code mtu} null =
 * the default of {@link #effectiveMtu()}.
 */
public record TunnelSpec(
    String name,
    GreKind kind,
    Inet4Address local,
    Inet4Address remote,
    Long key,
    int ttl,
    boolean pmtudisc,
    Encap encap,
    int encapSport,
    int encapDport,
    boolean encapCsum,
    int fouPort,
    Cidr tunnelIp,
    Inet4Address peerIp,
    Integer mtu) {

  /** Ethernet header a gretap device carries inside GRE. */
  public static final int ETH_HLEN = 14;

  /** 1500 − 20 (outer IPv4) − 8 (UDP) − 4 (GRE) — DESIGN §3.4. */
  public static final int FOU_MTU = 1468;

  /**
   * The MTU to set, or null to keep the kernel's choice (bare GRE: the kernel derives it from the
   * underlying device). With FOU: 1468, 4 less with a key (GRE key field), 14 less for gretap.
   */
  public Integer effectiveMtu() {
    if (mtu != null) {
      return mtu;
    }
    if (encap != Encap.FOU) {
      return null;
    }
    int m = FOU_MTU - (key != null ? 4 : 0) - (kind == GreKind.GRETAP ? ETH_HLEN : 0);
    return m;
  }
}
