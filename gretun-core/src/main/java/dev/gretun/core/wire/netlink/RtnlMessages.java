package dev.gretun.core.wire.netlink;

import static dev.gretun.core.wire.netlink.Netlink.NLM_F_ACK;
import static dev.gretun.core.wire.netlink.Netlink.NLM_F_CREATE;
import static dev.gretun.core.wire.netlink.Netlink.NLM_F_DUMP;
import static dev.gretun.core.wire.netlink.Netlink.NLM_F_EXCL;
import static dev.gretun.core.wire.netlink.Netlink.NLM_F_REQUEST;

import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.WireFormatException.Reason;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * Pure rtnetlink codec: request builders (attribute sets and order as iproute2 6.1 sends them, so
 * golden captures compare byte for byte) and reply parsers.
 */
public final class RtnlMessages {
  private static final int CREATE = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE;
  private static final int CHANGE = NLM_F_REQUEST | NLM_F_ACK;

  private RtnlMessages() {}

  /** struct ifinfomsg. */
  private static MessageWriter ifinfo(
      int type, int nlFlags, int family, int index, int flags, int change) {
    return new MessageWriter(type, nlFlags)
        .u8(family)
        .u8(0)
        .u16(0)
        .u32(index)
        .u32(flags)
        .u32(change);
  }

  /** RTM_NEWLINK creating a gre/gretap device (like {@code ip link add NAME type gre ...}). */
  public static MessageWriter newGreLink(GreLinkSpec s) {
    MessageWriter w = ifinfo(Rtnl.RTM_NEWLINK, CREATE, Netlink.AF_UNSPEC, 0, 0, 0);
    w.attrString(Rtnl.IFLA_IFNAME, s.name());
    return greLinkInfo(w, s);
  }

  private static MessageWriter greLinkInfo(MessageWriter w, GreLinkSpec s) {
    int linkinfo = w.beginNest(Rtnl.IFLA_LINKINFO);
    w.attrStringNoNul(Rtnl.IFLA_INFO_KIND, s.kind().kernelName());
    int data = w.beginNest(Rtnl.IFLA_INFO_DATA);
    int key = s.key() == null ? 0 : (int) (long) s.key();
    int keyFlags = s.key() == null ? 0 : Rtnl.GRE_KEY;
    w.attrU32Be(Rtnl.IFLA_GRE_IKEY, key)
        .attrU32Be(Rtnl.IFLA_GRE_OKEY, key)
        .attrU16Be(Rtnl.IFLA_GRE_IFLAGS, keyFlags)
        .attrU16Be(Rtnl.IFLA_GRE_OFLAGS, keyFlags)
        .attr(Rtnl.IFLA_GRE_LOCAL, s.local().getAddress())
        .attr(Rtnl.IFLA_GRE_REMOTE, s.remote().getAddress())
        .attrU8(Rtnl.IFLA_GRE_PMTUDISC, s.pmtudisc() ? 1 : 0)
        .attrU8(Rtnl.IFLA_GRE_TOS, 0)
        .attrU8(Rtnl.IFLA_GRE_TTL, s.ttl())
        .attrU32(Rtnl.IFLA_GRE_FWMARK, 0)
        .attrU16(Rtnl.IFLA_GRE_ENCAP_TYPE, s.encapType())
        .attrU16(Rtnl.IFLA_GRE_ENCAP_FLAGS, s.encapCsum() ? Rtnl.TUNNEL_ENCAP_FLAG_CSUM : 0)
        .attrU16Be(Rtnl.IFLA_GRE_ENCAP_SPORT, s.encapSport())
        .attrU16Be(Rtnl.IFLA_GRE_ENCAP_DPORT, s.encapDport());
    w.endNest(data);
    w.endNest(linkinfo);
    return w;
  }

  /**
   * RTM_NEWLINK without NLM_F_CREATE on device {@code index}: changes a gre link's parameters in
   * place (like {@code ip link set NAME type gre ...}, which sends every GRE attribute again).
   * {@code spec.name()} is not sent.
   */
  public static MessageWriter changeGreLink(int index, GreLinkSpec s) {
    MessageWriter w = ifinfo(Rtnl.RTM_NEWLINK, CHANGE, Netlink.AF_UNSPEC, index, 0, 0);
    return greLinkInfo(w, s);
  }

  public static MessageWriter deleteLink(int index) {
    return ifinfo(Rtnl.RTM_DELLINK, CHANGE, Netlink.AF_UNSPEC, index, 0, 0);
  }

  /** {@code ip link set dev X up|down}: IFF_UP in ifi_flags, masked by ifi_change. */
  public static MessageWriter setUp(int index, boolean up) {
    return ifinfo(
        Rtnl.RTM_NEWLINK, CHANGE, Netlink.AF_UNSPEC, index, up ? Rtnl.IFF_UP : 0, Rtnl.IFF_UP);
  }

  public static MessageWriter setMtu(int index, int mtu) {
    return ifinfo(Rtnl.RTM_NEWLINK, CHANGE, Netlink.AF_UNSPEC, index, 0, 0)
        .attrU32(Rtnl.IFLA_MTU, mtu);
  }

  /** IFLA_IFALIAS (shown by {@code ip link} as "alias"); an empty string clears it. */
  public static MessageWriter setAlias(int index, String alias) {
    return ifinfo(Rtnl.RTM_NEWLINK, CHANGE, Netlink.AF_UNSPEC, index, 0, 0)
        .attrStringNoNul(Rtnl.IFLA_IFALIAS, alias);
  }

  /** {@code ip link set dev X addrgenmode none}: no IPv6 link-local address, no RS/ND chatter. */
  public static MessageWriter setAddrGenModeNone(int index) {
    MessageWriter w = ifinfo(Rtnl.RTM_NEWLINK, CHANGE, Netlink.AF_UNSPEC, index, 0, 0);
    int spec = w.beginNest(Rtnl.IFLA_AF_SPEC);
    int inet6 = w.beginNest(Netlink.AF_INET6);
    w.attrU8(Rtnl.IFLA_INET6_ADDR_GEN_MODE, Rtnl.IN6_ADDR_GEN_MODE_NONE);
    w.endNest(inet6);
    return w.endNest(spec);
  }

  /** RTM_GETLINK for one device by name (answered by one RTM_NEWLINK or ENODEV). */
  public static MessageWriter getLink(String name) {
    return ifinfo(Rtnl.RTM_GETLINK, NLM_F_REQUEST, Netlink.AF_UNSPEC, 0, 0, 0)
        .attrU32(Rtnl.IFLA_EXT_MASK, Rtnl.RTEXT_FILTER_VF)
        .attrString(Rtnl.IFLA_IFNAME, name);
  }

  public static MessageWriter dumpLinks() {
    return ifinfo(Rtnl.RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, Netlink.AF_UNSPEC, 0, 0, 0)
        .attrU32(Rtnl.IFLA_EXT_MASK, Rtnl.RTEXT_FILTER_VF);
  }

  /**
   * RTM_GETSTATS dump of every device's {@code struct rtnl_link_stats64} and nothing else (kernel
   * 4.7+): a fraction of a link dump's bytes, which carries every attribute of every device.
   */
  public static MessageWriter dumpLinkStats() {
    return new MessageWriter(Rtnl.RTM_GETSTATS, NLM_F_REQUEST | NLM_F_DUMP)
        .u8(Netlink.AF_UNSPEC)
        .u8(0)
        .u16(0)
        .u32(0)
        .u32(Rtnl.STATS_FILTER_LINK_64);
  }

  /**
   * RTM_NEWADDR (add) or RTM_DELADDR: IFA_LOCAL = {@code local}, IFA_ADDRESS = {@code peer} for a
   * point-to-point address, else {@code local} again (as iproute2 does).
   */
  public static MessageWriter address(
      boolean add, int index, Inet4Address local, int prefixLength, Inet4Address peer) {
    MessageWriter w =
        new MessageWriter(add ? Rtnl.RTM_NEWADDR : Rtnl.RTM_DELADDR, add ? CREATE : CHANGE)
            .u8(Netlink.AF_INET)
            .u8(prefixLength)
            .u8(0)
            .u8(0)
            .u32(index);
    return w.attr(Rtnl.IFA_LOCAL, local.getAddress())
        .attr(Rtnl.IFA_ADDRESS, (peer == null ? local : peer).getAddress());
  }

  public static MessageWriter dumpAddresses(int family) {
    return new MessageWriter(Rtnl.RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP)
        .u8(family)
        .u8(0)
        .u8(0)
        .u8(0)
        .u32(0);
  }

  /**
   * {@code ip route add|del unreachable DST/LEN metric M}: a main-table route that drops what it
   * matches with ICMP unreachable (the kernel data plane's guard against leaking overlay packets).
   */
  public static MessageWriter unreachableRoute(
      boolean add, Inet4Address dst, int prefixLength, int metric) {
    return new MessageWriter(add ? Rtnl.RTM_NEWROUTE : Rtnl.RTM_DELROUTE, add ? CREATE : CHANGE)
        .u8(Netlink.AF_INET)
        .u8(prefixLength)
        .u8(0)
        .u8(0)
        .u8(Rtnl.RT_TABLE_MAIN)
        .u8(add ? Rtnl.RTPROT_BOOT : 0)
        .u8(add ? Rtnl.RT_SCOPE_UNIVERSE : Rtnl.RT_SCOPE_NOWHERE)
        .u8(Rtnl.RTN_UNREACHABLE)
        .u32(0)
        .attr(Rtnl.RTA_DST, dst.getAddress())
        .attrU32(Rtnl.RTA_PRIORITY, metric);
  }

  /** {@code ip route get DST}: RTM_GETROUTE with RTM_F_LOOKUP_TABLE and RTA_DST. */
  public static MessageWriter getRoute(Inet4Address dst) {
    return new MessageWriter(Rtnl.RTM_GETROUTE, NLM_F_REQUEST)
        .u8(Netlink.AF_INET)
        .u8(32)
        .u8(0)
        .u8(0)
        .u8(0)
        .u8(0)
        .u8(0)
        .u8(0)
        .u32(Rtnl.RTM_F_LOOKUP_TABLE)
        .attr(Rtnl.RTA_DST, dst.getAddress());
  }

  /** Parses an RTM_NEWLINK message. */
  public static Link parseLink(NlMessage m) {
    ByteBuffer b = m.body();
    if (m.type() != Rtnl.RTM_NEWLINK || b.limit() < Rtnl.IFINFOMSG_LEN) {
      throw new WireFormatException(
          Reason.BAD_TYPE, "not an RTM_NEWLINK message (type " + m.type() + ")");
    }
    int index = b.getInt(4);
    int flags = b.getInt(8);
    Attrs a = m.attrs(Rtnl.IFINFOMSG_LEN);
    String kind = "";
    GreInfo gre = null;
    if (a.has(Rtnl.IFLA_LINKINFO)) {
      Attrs info = a.nested(Rtnl.IFLA_LINKINFO);
      if (info.has(Rtnl.IFLA_INFO_KIND)) {
        kind = info.string(Rtnl.IFLA_INFO_KIND);
      }
      if (GreKind.fromKernel(kind) != null && info.has(Rtnl.IFLA_INFO_DATA)) {
        gre = parseGre(info.nested(Rtnl.IFLA_INFO_DATA));
      }
    }
    LinkStats stats = stats64(a, Rtnl.IFLA_STATS64);
    return new Link(
        index,
        a.has(Rtnl.IFLA_IFNAME) ? a.string(Rtnl.IFLA_IFNAME) : "",
        kind,
        flags,
        a.has(Rtnl.IFLA_MTU) ? a.u32(Rtnl.IFLA_MTU) : 0,
        a.has(Rtnl.IFLA_OPERSTATE) ? a.u8(Rtnl.IFLA_OPERSTATE) : 0,
        a.has(Rtnl.IFLA_IFALIAS) ? a.string(Rtnl.IFLA_IFALIAS) : null,
        gre,
        stats);
  }

  /** The first eight counters of a {@code struct rtnl_link_stats64} attribute, or ZERO. */
  private static LinkStats stats64(Attrs a, int type) {
    if (!a.has(type) || a.size(type) < 64) {
      return LinkStats.ZERO;
    }
    return new LinkStats(
        a.u64(type, 0),
        a.u64(type, 1),
        a.u64(type, 2),
        a.u64(type, 3),
        a.u64(type, 4),
        a.u64(type, 5),
        a.u64(type, 6),
        a.u64(type, 7));
  }

  /** One device's counters from an RTM_NEWSTATS answer to {@link #dumpLinkStats}. */
  public record DeviceStats(int index, LinkStats stats) {}

  public static DeviceStats parseLinkStats(NlMessage m) {
    ByteBuffer b = m.body();
    if (m.type() != Rtnl.RTM_NEWSTATS || b.limit() < Rtnl.IF_STATS_MSG_LEN) {
      throw new WireFormatException(
          Reason.BAD_TYPE, "not an RTM_NEWSTATS message (type " + m.type() + ")");
    }
    return new DeviceStats(
        b.getInt(4), stats64(m.attrs(Rtnl.IF_STATS_MSG_LEN), Rtnl.IFLA_STATS_LINK_64));
  }

  static GreInfo parseGre(Attrs d) {
    int iflags = d.has(Rtnl.IFLA_GRE_IFLAGS) ? d.u16Be(Rtnl.IFLA_GRE_IFLAGS) : 0;
    int oflags = d.has(Rtnl.IFLA_GRE_OFLAGS) ? d.u16Be(Rtnl.IFLA_GRE_OFLAGS) : 0;
    return new GreInfo(
        d.has(Rtnl.IFLA_GRE_LOCAL) ? d.inet4(Rtnl.IFLA_GRE_LOCAL) : null,
        d.has(Rtnl.IFLA_GRE_REMOTE) ? d.inet4(Rtnl.IFLA_GRE_REMOTE) : null,
        key(d, Rtnl.IFLA_GRE_IKEY, iflags),
        key(d, Rtnl.IFLA_GRE_OKEY, oflags),
        d.has(Rtnl.IFLA_GRE_TTL) ? d.u8(Rtnl.IFLA_GRE_TTL) : 0,
        d.has(Rtnl.IFLA_GRE_PMTUDISC) && d.u8(Rtnl.IFLA_GRE_PMTUDISC) != 0,
        d.has(Rtnl.IFLA_GRE_ENCAP_TYPE) ? d.u16(Rtnl.IFLA_GRE_ENCAP_TYPE) : 0,
        d.has(Rtnl.IFLA_GRE_ENCAP_FLAGS) ? d.u16(Rtnl.IFLA_GRE_ENCAP_FLAGS) : 0,
        d.has(Rtnl.IFLA_GRE_ENCAP_SPORT) ? d.u16Be(Rtnl.IFLA_GRE_ENCAP_SPORT) : 0,
        d.has(Rtnl.IFLA_GRE_ENCAP_DPORT) ? d.u16Be(Rtnl.IFLA_GRE_ENCAP_DPORT) : 0);
  }

  private static Long key(Attrs d, int type, int flags) {
    if ((flags & Rtnl.GRE_KEY) == 0 || !d.has(type)) {
      return null;
    }
    return Integer.toUnsignedLong(d.u32Be(type));
  }

  /** Parses an RTM_NEWADDR message. */
  public static IfAddress parseAddress(NlMessage m) {
    ByteBuffer b = m.body();
    if (m.type() != Rtnl.RTM_NEWADDR || b.limit() < Rtnl.IFADDRMSG_LEN) {
      throw new WireFormatException(
          Reason.BAD_TYPE, "not an RTM_NEWADDR message (type " + m.type() + ")");
    }
    int family = Byte.toUnsignedInt(b.get(0));
    int prefix = Byte.toUnsignedInt(b.get(1));
    int index = b.getInt(4);
    Attrs a = m.attrs(Rtnl.IFADDRMSG_LEN);
    InetAddress address = a.has(Rtnl.IFA_ADDRESS) ? inet(a.bytes(Rtnl.IFA_ADDRESS)) : null;
    InetAddress local = a.has(Rtnl.IFA_LOCAL) ? inet(a.bytes(Rtnl.IFA_LOCAL)) : address;
    if (local == null) {
      throw new WireFormatException(
          Reason.BAD_ATTRIBUTE, "RTM_NEWADDR without IFA_LOCAL/IFA_ADDRESS");
    }
    InetAddress peer = address != null && !address.equals(local) ? address : null;
    return new IfAddress(index, family, prefix, local, peer);
  }

  /** Parses the RTM_NEWROUTE answer to {@link #getRoute}. */
  public static RouteInfo parseRoute(NlMessage m) {
    if (m.type() != Rtnl.RTM_NEWROUTE) {
      throw new WireFormatException(
          Reason.BAD_TYPE, "not an RTM_NEWROUTE message (type " + m.type() + ")");
    }
    Attrs a = m.attrs(Rtnl.RTMSG_LEN);
    return new RouteInfo(
        a.has(Rtnl.RTA_PREFSRC) ? a.inet4(Rtnl.RTA_PREFSRC) : null,
        a.has(Rtnl.RTA_OIF) ? a.u32(Rtnl.RTA_OIF) : 0);
  }

  private static InetAddress inet(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      throw new WireFormatException(
          Reason.BAD_ATTRIBUTE, "address attribute of " + raw.length + " bytes");
    }
  }
}
