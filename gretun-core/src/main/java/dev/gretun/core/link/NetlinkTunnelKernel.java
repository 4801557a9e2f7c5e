package dev.gretun.core.link;

import dev.gretun.core.os.Libc;
import dev.gretun.core.wire.netlink.FouPort;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import dev.gretun.core.wire.netlink.IfAddress;
import dev.gretun.core.wire.netlink.Link;
import java.net.Inet4Address;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link TunnelKernel} over rtnetlink and the generic-netlink {@code fou} family. The FOU socket is
 * opened on first use, so commands that never touch FOU work on kernels without it.
 */
public final class NetlinkTunnelKernel implements TunnelKernel, AutoCloseable {
  private final Rtnetlink rtnl;
  private final Supplier<Fou> fouFactory;
  private Fou fou;

  public NetlinkTunnelKernel(Rtnetlink rtnl, Supplier<Fou> fouFactory) {
    this.rtnl = rtnl;
    this.fouFactory = fouFactory;
  }

  /** Sockets in the calling thread's network namespace. */
  public static NetlinkTunnelKernel open() {
    return new NetlinkTunnelKernel(Rtnetlink.open(), Fou::open);
  }

  private Fou fou() {
    if (fou == null) {
      fou = fouFactory.get();
    }
    return fou;
  }

  @Override
  public Optional<Link> link(String name) {
    return rtnl.link(name);
  }

  @Override
  public List<Link> links() {
    return rtnl.links();
  }

  @Override
  public void addGreLink(GreLinkSpec spec) {
    rtnl.addGreLink(spec);
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
  public void addAddress(int index, Inet4Address local, int prefixLength, Inet4Address peer) {
    rtnl.addAddress(index, local, prefixLength, peer);
  }

  @Override
  public List<IfAddress> ipv4Addresses() {
    return rtnl.addresses(Libc.AF_INET);
  }

  @Override
  public List<FouPort> fouPorts() {
    return fou().list();
  }

  @Override
  public void addFouPort(int port) {
    fou().add(port);
  }

  @Override
  public void deleteFouPort(int port) {
    fou().delete(port);
  }

  @Override
  public void close() {
    rtnl.close();
    if (fou != null) {
      fou.close();
    }
  }
}
