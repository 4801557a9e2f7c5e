package dev.gretun.core.tunnel;

/** Outer encapsulation of a GRE tunnel: none (GRE in IP) or FOU (GRE in UDP, RFC 8086 style). */
public enum Encap {
  NONE,
  FOU;

  /** The {@code TUNNEL_ENCAP_*} value of if_tunnel.h. */
  public int kernelType() {
    return this == FOU ? 1 : 0;
  }

  public String jsonName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
