package dev.gretun.core.wire.netlink;

/** The first eight counters of {@code struct rtnl_link_stats64} (IFLA_STATS64). */
public record LinkStats(
    long rxPackets,
    long txPackets,
    long rxBytes,
    long txBytes,
    long rxErrors,
    long txErrors,
    long rxDropped,
    long txDropped) {
  public static final LinkStats ZERO = new LinkStats(0, 0, 0, 0, 0, 0, 0, 0);
}
