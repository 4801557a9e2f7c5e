package dev.gretun.core.link;

import dev.gretun.core.os.Errno;
import dev.gretun.core.os.ErrnoException;
import dev.gretun.core.os.Ethtool;
import dev.gretun.core.os.Libc;
import dev.gretun.core.os.NetlinkException;
import dev.gretun.core.os.NetlinkSocket;
import dev.gretun.core.wire.netlink.FouPort;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import dev.gretun.core.wire.netlink.IfAddress;
import dev.gretun.core.wire.netlink.Link;
import dev.gretun.core.wire.netlink.LinkStats;
import dev.gretun.core.wire.netlink.Netlink;
import dev.gretun.core.wire.netlink.NlMessage;
import dev.gretun.core.wire.netlink.RouteInfo;
import dev.gretun.core.wire.netlink.Rtnl;
import dev.gretun.core.wire.netlink.RtnlMessages;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link LinkControl} over rtnetlink (NETLINK_ROUTE) and the generic-netlink {@code fou} family,
 * plus the ethtool ioctl for checksum offload. All sockets are opened at once: a netlink socket
 * acts on the network namespace it was opened in, and FOU ports are per namespace. A kernel without
 * the fou module still opens the generic socket; only the FOU operations then fail (ENOENT from the
 * family lookup).
 */
public final class NetlinkLinkControl implements LinkControl {
  private final NetlinkClient rtnl;
  private final Fou fou;
  private final Ethtool ethtool;

  public NetlinkLinkControl(NetlinkClient rtnl, Fou fou, Ethtool ethtool) {
    this.rtnl = rtnl;
    this.fou = fou;
    this.ethtool = ethtool;
  }

  /** Netlink sockets (and the ethtool ioctl's socket) in the calling thread's network namespace. */
  public static NetlinkLinkControl open() {
    NetlinkClient rtnl = new NetlinkClient(NetlinkSocket.open(Netlink.NETLINK_ROUTE));
    Fou fou = null;
    try {
      fou = Fou.open();
      return new NetlinkLinkControl(rtnl, fou, Ethtool.open());
    } catch (ErrnoException e) {
      close(rtnl, fou);
      throw new NetlinkException(e.errno(), e.call());
    } catch (RuntimeException e) {
      close(rtnl, fou);
      throw e;
    }
  }

  private static void close(NetlinkClient rtnl, Fou fou) {
    rtnl.close();
    if (fou != null) {
      fou.close();
    }
  }

  @Override
  public List<Link> links() {
    List<Link> out = new ArrayList<>();
    for (NlMessage m : rtnl.dump(RtnlMessages.dumpLinks())) {
      if (m.type() == Rtnl.RTM_NEWLINK) {
        out.add(RtnlMessages.parseLink(m));
      }
    }
    return out;
  }

  @Override
  public Map<Integer, LinkStats> linkStats() {
    Map<Integer, LinkStats> out = new HashMap<>();
    for (NlMessage m : rtnl.dump(RtnlMessages.dumpLinkStats())) {
      if (m.type() == Rtnl.RTM_NEWSTATS) {
        RtnlMessages.DeviceStats d = RtnlMessages.parseLinkStats(m);
        out.put(d.index(), d.stats());
      }
    }
    return out;
  }

  @Override
  public Optional<Link> link(String name) {
    try {
      return Optional.of(RtnlMessages.parseLink(rtnl.requestOne(RtnlMessages.getLink(name))));
    } catch (NetlinkException e) {
      if (e.is(Errno.ENODEV)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public void addGreLink(GreLinkSpec spec) {
    rtnl.ack(RtnlMessages.newGreLink(spec));
  }

  @Override
  public void changeGreLink(int index, GreLinkSpec spec) {
    rtnl.ack(RtnlMessages.changeGreLink(index, spec));
  }

  @Override
  public void deleteLink(int index) {
    rtnl.ack(RtnlMessages.deleteLink(index));
  }

  @Override
  public void setUp(int index, boolean up) {
    rtnl.ack(RtnlMessages.setUp(index, up));
  }

  @Override
  public void setMtu(int index, int mtu) {
    rtnl.ack(RtnlMessages.setMtu(index, mtu));
  }

  @Override
  public void setTxChecksum(String name, boolean on) {
    try {
      ethtool.setTxChecksum(name, on);
    } catch (ErrnoException e) {
      throw new NetlinkException(e.errno(), e.call());
    }
  }

  @Override
  public void setAlias(int index, String alias) {
    rtnl.ack(RtnlMessages.setAlias(index, alias));
  }

  @Override
  public void setAddrGenModeNone(int index) {
    rtnl.ack(RtnlMessages.setAddrGenModeNone(index));
  }

  @Override
  public void addAddress(int index, Inet4Address local, int prefixLength, Inet4Address peer) {
    rtnl.ack(RtnlMessages.address(true, index, local, prefixLength, peer));
  }

  @Override
  public void deleteAddress(int index, Inet4Address local, int prefixLength, Inet4Address peer) {
    rtnl.ack(RtnlMessages.address(false, index, local, prefixLength, peer));
  }

  @Override
  public List<IfAddress> ipv4Addresses() {
    List<IfAddress> out = new ArrayList<>();
    for (NlMessage m : rtnl.dump(RtnlMessages.dumpAddresses(Libc.AF_INET))) {
      if (m.type() == Rtnl.RTM_NEWADDR) {
        out.add(RtnlMessages.parseAddress(m));
      }
    }
    return out;
  }

  @Override
  public void unreachableRoute(boolean add, Inet4Address network, int prefixLength, int metric) {
    rtnl.ack(RtnlMessages.unreachableRoute(add, network, prefixLength, metric));
  }

  /** The kernel's route toward {@code dst}: its preferred source address and output device. */
  public RouteInfo route(Inet4Address dst) {
    return RtnlMessages.parseRoute(rtnl.requestOne(RtnlMessages.getRoute(dst)));
  }

  @Override
  public Inet4Address routeSource(Inet4Address dst) {
    Inet4Address source = route(dst).preferredSource();
    if (source == null) {
      throw new IllegalStateException("no source address toward " + dst.getHostAddress());
    }
    return source;
  }

  @Override
  public List<FouPort> fouPorts() {
    return fou.list();
  }

  @Override
  public void addFouPort(int port) {
    fou.add(port);
  }

  @Override
  public void deleteFouPort(int port) {
    fou.delete(port);
  }

  @Override
  public void close() {
    rtnl.close();
    fou.close();
    ethtool.close();
  }
}
