package dev.gretun.core.wire.netlink;

/** Constants of {@code linux/netlink.h}. */
public final class Netlink {
  public static final int NETLINK_ROUTE = 0;
  public static final int NETLINK_GENERIC = 16;

  /** Address families as messages carry them ({@code linux/socket.h}). */
  public static final int AF_UNSPEC = 0;

  public static final int AF_INET = 2;
  public static final int AF_INET6 = 10;

  public static final int NLMSG_HDRLEN = 16;
  public static final int NLMSG_NOOP = 1;
  public static final int NLMSG_ERROR = 2;
  public static final int NLMSG_DONE = 3;
  public static final int NLMSG_OVERRUN = 4;

  /** First type a protocol may use ({@code NLMSG_MIN_TYPE}). */
  public static final int NLMSG_MIN_TYPE = 0x10;

  public static final int NLM_F_REQUEST = 0x01;
  public static final int NLM_F_MULTI = 0x02;
  public static final int NLM_F_ACK = 0x04;
  public static final int NLM_F_DUMP_INTR = 0x10;
  public static final int NLM_F_ROOT = 0x100;
  public static final int NLM_F_MATCH = 0x200;
  public static final int NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
  public static final int NLM_F_REPLACE = 0x100;
  public static final int NLM_F_EXCL = 0x200;
  public static final int NLM_F_CREATE = 0x400;

  /** In NLMSG_ERROR replies: the echoed request was cut to its header. */
  public static final int NLM_F_CAPPED = 0x100;

  /** In NLMSG_ERROR replies: extended-ack TLVs follow the echoed request. */
  public static final int NLM_F_ACK_TLVS = 0x200;

  public static final int NLA_HDRLEN = 4;
  public static final int NLA_F_NESTED = 1 << 15;
  public static final int NLA_F_NET_BYTEORDER = 1 << 14;
  public static final int NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

  public static final int NLMSGERR_ATTR_MSG = 1;
  public static final int NLMSGERR_ATTR_OFFS = 2;

  /** Socket options at {@code SOL_NETLINK}. */
  public static final int NETLINK_CAP_ACK = 10;

  public static final int NETLINK_EXT_ACK = 11;

  private Netlink() {}

  /** {@code NLMSG_ALIGN}/{@code NLA_ALIGN}: rounds up to a multiple of 4. */
  public static int align(int len) {
    return (len + 3) & ~3;
  }
}
