package dev.gretun.e2e.lab;

import java.util.Locale;

/** The behaviours a lab NAT can be switched to (docs/LAB.md, RFC 4787 terms). */
public enum NatMode {
  /** nftables masquerade: endpoint-independent mapping while ports are free, APD filtering. */
  PLAIN,
  /** masquerade plus a firewall that silently drops unsolicited inbound (no conntrack entry). */
  HARD,
  /** masquerade plus endpoint-independent filtering ("full cone"). */
  CONE,
  /** {@code masquerade fully-random}: a different public port per destination. */
  SYMMETRIC;

  /** The name lab.sh uses. */
  public String scriptName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
