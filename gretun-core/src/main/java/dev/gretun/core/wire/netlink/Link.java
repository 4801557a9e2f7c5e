package dev.gretun.core.wire.netlink;

/**
 * One network device from RTM_NEWLINK. {@code kind} is the IFLA_INFO_KIND ("" for devices without
 * one, e.g. loopback); {@code gre} is non-null only for gre/gretap links; {@code alias} may be
 * null.
 */
public record Link(
    int index,
    String name,
    String kind,
    int flags,
    int mtu,
    int operState,
    String alias,
    GreInfo gre,
    LinkStats stats) {

  /** The same link with other counters (counters change between two reads). */
  public Link withStats(LinkStats newStats) {
    return new Link(index, name, kind, flags, mtu, operState, alias, gre, newStats);
  }

  public boolean adminUp() {
    return (flags & Rtnl.IFF_UP) != 0;
  }

  /** RFC 2863 operational state name as the kernel numbers it (IF_OPER_* in if.h). */
  public String operStateName() {
    return switch (operState) {
      case 1 -> "notpresent";
      case 2 -> "down";
      case 3 -> "lowerlayerdown";
      case 4 -> "testing";
      case 5 -> "dormant";
      case 6 -> "up";
      default -> "unknown";
    };
  }
}
