package dev.gretun.core.tunnel;

import dev.gretun.core.wire.netlink.Rtnl;

/** Outer encapsulation of a GRE tunnel: none (GRE in IP) or FOU (GRE in UDP, RFC 8086 style). */
public enum Encap {
  NONE,
  FOU;

  /** The {@code TUNNEL_ENCAP_*} value of if_tunnel.h. */
  public int kernelType() {
    return this == FOU ? Rtnl.TUNNEL_ENCAP_FOU : Rtnl.TUNNEL_ENCAP_NONE;
  }

  /** The encapsulation a {@code TUNNEL_ENCAP_*} value of ours stands for. */
  public static Encap ofKernelType(int type) {
    return type == Rtnl.TUNNEL_ENCAP_FOU ? FOU : NONE;
  }

  public String jsonName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
