package dev.gretun.core.wire.netlink;

import java.net.InetAddress;

/**
 * An interface address from RTM_NEWADDR: {@code local} (IFA_LOCAL, or IFA_ADDRESS when absent) and
 * {@code peer} (IFA_ADDRESS when it differs from IFA_LOCAL: a point-to-point peer), else null.
 */
public record IfAddress(
    int index, int family, int prefixLength, InetAddress local, InetAddress peer) {

  /** {@code 10.0.0.1/24}, or {@code 10.0.0.1 peer 10.0.0.2/32} for a point-to-point address. */
  public String display() {
    String l = local.getHostAddress();
    return peer == null
        ? l + "/" + prefixLength
        : l + " peer " + peer.getHostAddress() + "/" + prefixLength;
  }
}
