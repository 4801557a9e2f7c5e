package dev.gretun.core.wire.netlink;

/**
 * Constants of {@code linux/rtnetlink.h}, {@code linux/if_link.h}, {@code linux/if_addr.h}, {@code
 * linux/if_tunnel.h} and {@code linux/if.h}, looked up in the uapi headers.
 */
public final class Rtnl {
  // rtnetlink.h message types
  public static final int RTM_NEWLINK = 16;
  public static final int RTM_DELLINK = 17;
  public static final int RTM_GETLINK = 18;
  public static final int RTM_NEWADDR = 20;
  public static final int RTM_DELADDR = 21;
  public static final int RTM_GETADDR = 22;
  public static final int RTM_NEWROUTE = 24;
  public static final int RTM_GETROUTE = 26;
  public static final int RTM_DELROUTE = 25;
  public static final int RTM_NEWSTATS = 92;
  public static final int RTM_GETSTATS = 94;

  // if_link.h: struct if_stats_msg (family, pad, pad, ifindex, filter_mask) and its attributes.
  public static final int IF_STATS_MSG_LEN = 12;
  public static final int IFLA_STATS_LINK_64 = 1;

  /** IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64): only struct rtnl_link_stats64 per device. */
  public static final int STATS_FILTER_LINK_64 = 1 << (IFLA_STATS_LINK_64 - 1);

  // rtmsg fields for the routes gretun installs: main table, "boot" protocol (what iproute2 uses),
  // RT_SCOPE_UNIVERSE on add and RT_SCOPE_NOWHERE on delete (matches any scope), RTN_UNREACHABLE.
  public static final int RT_TABLE_MAIN = 254;
  public static final int RTPROT_BOOT = 3;
  public static final int RT_SCOPE_UNIVERSE = 0;
  public static final int RT_SCOPE_NOWHERE = 255;
  public static final int RTN_UNREACHABLE = 7;
  public static final int RTA_PRIORITY = 6;

  /** rtmsg flag: look the route up in the FIB table rather than the cache (rtnetlink.h). */
  public static final int RTM_F_LOOKUP_TABLE = 0x1000;

  // rtattr_type_t
  public static final int RTA_DST = 1;
  public static final int RTA_OIF = 4;
  public static final int RTA_PREFSRC = 7;
  public static final int RTA_TABLE = 15;

  /** sizeof(struct ifinfomsg), sizeof(struct ifaddrmsg), sizeof(struct rtmsg). */
  public static final int IFINFOMSG_LEN = 16;

  public static final int IFADDRMSG_LEN = 8;
  public static final int RTMSG_LEN = 12;

  // if_link.h IFLA_*
  public static final int IFLA_ADDRESS = 1;
  public static final int IFLA_IFNAME = 3;
  public static final int IFLA_MTU = 4;
  public static final int IFLA_LINK = 5;
  public static final int IFLA_TXQLEN = 13;
  public static final int IFLA_OPERSTATE = 16;
  public static final int IFLA_LINKINFO = 18;
  public static final int IFLA_IFALIAS = 20;
  public static final int IFLA_STATS64 = 23;
  public static final int IFLA_AF_SPEC = 26;
  public static final int IFLA_EXT_MASK = 29;

  public static final int IFLA_INFO_KIND = 1;
  public static final int IFLA_INFO_DATA = 2;

  public static final int IFLA_INET6_ADDR_GEN_MODE = 8;
  public static final int IN6_ADDR_GEN_MODE_NONE = 1;

  // if_tunnel.h IFLA_GRE_*
  public static final int IFLA_GRE_LINK = 1;
  public static final int IFLA_GRE_IFLAGS = 2;
  public static final int IFLA_GRE_OFLAGS = 3;
  public static final int IFLA_GRE_IKEY = 4;
  public static final int IFLA_GRE_OKEY = 5;
  public static final int IFLA_GRE_LOCAL = 6;
  public static final int IFLA_GRE_REMOTE = 7;
  public static final int IFLA_GRE_TTL = 8;
  public static final int IFLA_GRE_TOS = 9;
  public static final int IFLA_GRE_PMTUDISC = 10;
  public static final int IFLA_GRE_ENCAP_TYPE = 14;
  public static final int IFLA_GRE_ENCAP_FLAGS = 15;
  public static final int IFLA_GRE_ENCAP_SPORT = 16;
  public static final int IFLA_GRE_ENCAP_DPORT = 17;
  public static final int IFLA_GRE_COLLECT_METADATA = 18;
  public static final int IFLA_GRE_FWMARK = 20;

  /** GRE_KEY is {@code __cpu_to_be16(0x2000)}: the flags attributes carry big-endian bits. */
  public static final int GRE_KEY = 0x2000;

  public static final int TUNNEL_ENCAP_NONE = 0;
  public static final int TUNNEL_ENCAP_FOU = 1;
  public static final int TUNNEL_ENCAP_GUE = 2;
  public static final int TUNNEL_ENCAP_FLAG_CSUM = 1;

  // if_addr.h IFA_*
  public static final int IFA_ADDRESS = 1;
  public static final int IFA_LOCAL = 2;
  public static final int IFA_LABEL = 3;
  public static final int IFA_BROADCAST = 4;

  // if.h
  public static final int IFF_UP = 0x1;
  public static final int IFF_RUNNING = 0x40;
  public static final int IFF_LOWER_UP = 0x10000;

  /** RTEXT_FILTER_VF from rtnetlink.h, the mask iproute2 puts in IFLA_EXT_MASK for dumps. */
  public static final int RTEXT_FILTER_VF = 1;

  private Rtnl() {}
}
