package dev.gretun.core.link;

import dev.gretun.core.os.Errno;
import dev.gretun.core.os.NetlinkException;
import dev.gretun.core.os.NetlinkSocket;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import dev.gretun.core.wire.netlink.IfAddress;
import dev.gretun.core.wire.netlink.Link;
import dev.gretun.core.wire.netlink.Netlink;
import dev.gretun.core.wire.netlink.NlMessage;
import dev.gretun.core.wire.netlink.RouteInfo;
import dev.gretun.core.wire.netlink.Rtnl;
import dev.gretun.core.wire.netlink.RtnlMessages;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** rtnetlink operations gretun needs, over a {@link NetlinkClient} (NETLINK_ROUTE). */
public final class Rtnetlink implements AutoCloseable {
  private final NetlinkClient client;

  public Rtnetlink(NetlinkClient client) {
    this.client = client;
  }

  /** Opens a NETLINK_ROUTE socket in this thread's network namespace. */
  public static Rtnetlink open() {
    return new Rtnetlink(new NetlinkClient(NetlinkSocket.open(Netlink.NETLINK_ROUTE)));
  }

  public List<Link> links() {
    List<Link> out = new ArrayList<>();
    for (NlMessage m : client.dump(RtnlMessages.dumpLinks())) {
      if (m.type() == Rtnl.RTM_NEWLINK) {
        out.add(RtnlMessages.parseLink(m));
      }
    }
    return out;
  }

  /** The device called {@code name}, or empty when there is none (ENODEV). */
  public Optional<Link> link(String name) {
    try {
      return Optional.of(RtnlMessages.parseLink(client.requestOne(RtnlMessages.getLink(name))));
    } catch (NetlinkException e) {
      if (e.is(Errno.ENODEV)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  public void addGreLink(GreLinkSpec spec) {
    client.ack(RtnlMessages.newGreLink(spec));
  }

  /** Changes an existing gre link's parameters in place (remote, encap ports, ...). */
  public void changeGreLink(int index, GreLinkSpec spec) {
    client.ack(RtnlMessages.changeGreLink(index, spec));
  }

  /** Adds or deletes an {@code unreachable DST/LEN metric M} route in the main table. */
  public void unreachableRoute(boolean add, Inet4Address dst, int prefixLength, int metric) {
    client.ack(RtnlMessages.unreachableRoute(add, dst, prefixLength, metric));
  }

  public void deleteLink(int index) {
    client.ack(RtnlMessages.deleteLink(index));
  }

  public void setUp(int index, boolean up) {
    client.ack(RtnlMessages.setUp(index, up));
  }

  public void setMtu(int index, int mtu) {
    client.ack(RtnlMessages.setMtu(index, mtu));
  }

  public void setAlias(int index, String alias) {
    client.ack(RtnlMessages.setAlias(index, alias));
  }

  public void setAddrGenModeNone(int index) {
    client.ack(RtnlMessages.setAddrGenModeNone(index));
  }

  /** Adds {@code local/prefix}, or a point-to-point address when {@code peer} is non-null. */
  public void addAddress(int index, Inet4Address local, int prefixLength, Inet4Address peer) {
    client.ack(RtnlMessages.address(true, index, local, prefixLength, peer));
  }

  public void deleteAddress(int index, Inet4Address local, int prefixLength, Inet4Address peer) {
    client.ack(RtnlMessages.address(false, index, local, prefixLength, peer));
  }

  /** Every address of {@code family} (AF_INET, AF_INET6, or AF_UNSPEC for all). */
  public List<IfAddress> addresses(int family) {
    List<IfAddress> out = new ArrayList<>();
    for (NlMessage m : client.dump(RtnlMessages.dumpAddresses(family))) {
      if (m.type() == Rtnl.RTM_NEWADDR) {
        out.add(RtnlMessages.parseAddress(m));
      }
    }
    return out;
  }

  /** The kernel's route toward {@code dst}: its preferred source address and output device. */
  public RouteInfo routeGet(Inet4Address dst) {
    return RtnlMessages.parseRoute(client.requestOne(RtnlMessages.getRoute(dst)));
  }

  @Override
  public void close() {
    client.close();
  }
}
