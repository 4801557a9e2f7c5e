package dev.gretun.core.link;

import dev.gretun.core.wire.netlink.FouPort;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import dev.gretun.core.wire.netlink.Link;
import dev.gretun.core.wire.netlink.RouteInfo;
import java.net.Inet4Address;
import java.util.List;
import java.util.Optional;

/** {@link KernelNet} over rtnetlink and the generic-netlink {@code fou} family. */
public final class NetlinkKernelNet implements KernelNet {
  private final Rtnetlink rtnl;
  private final Fou fou;

  private NetlinkKernelNet(Rtnetlink rtnl, Fou fou) {
    this.rtnl = rtnl;
    this.fou = fou;
  }

  /** Netlink sockets in the calling thread's network namespace. */
  public static NetlinkKernelNet open() {
    Rtnetlink rtnl = Rtnetlink.open();
    try {
      return new NetlinkKernelNet(rtnl, Fou.open());
    } catch (RuntimeException e) {
      rtnl.close();
      throw e;
    }
  }

  @Override
  public List<Link> links() {
    return rtnl.links();
  }

  @Override
  public Optional<Link> link(String name) {
    return rtnl.link(name);
  }

  @Override
  public void addGreLink(GreLinkSpec spec) {
    rtnl.addGreLink(spec);
  }

  @Override
  public void changeGreLink(int index, GreLinkSpec spec) {
    rtnl.changeGreLink(index, spec);
  }

  @Override
  public void deleteLink(int index) {
    rtnl.deleteLink(index);
  }

  @Override
  public void setUp(int index, boolean up) {
    rtnl.setUp(index, up);
  }

  @Override
  public void setMtu(int index, int mtu) {
    rtnl.setMtu(index, mtu);
  }

  @Override
  public void setAlias(int index, String alias) {
    rtnl.setAlias(index, alias);
  }

  @Override
  public void setAddrGenModeNone(int index) {
    rtnl.setAddrGenModeNone(index);
  }

  @Override
  public void addPeerAddress(int index, Inet4Address local, Inet4Address peer) {
    rtnl.addAddress(index, local, 32, peer);
  }

  @Override
  public void unreachableRoute(boolean add, Inet4Address network, int prefixLength, int metric) {
    rtnl.unreachableRoute(add, network, prefixLength, metric);
  }

  @Override
  public Inet4Address routeSource(Inet4Address dst) {
    RouteInfo r = rtnl.routeGet(dst);
    if (r.preferredSource() == null) {
      throw new IllegalStateException("no source address toward " + dst.getHostAddress());
    }
    return r.preferredSource();
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
  }
}
