package dev.gretun.core.link;

import dev.gretun.core.tunnel.TunnelService;
import dev.gretun.core.wire.netlink.FouPort;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import dev.gretun.core.wire.netlink.IfAddress;
import dev.gretun.core.wire.netlink.Link;
import java.net.Inet4Address;
import java.util.List;
import java.util.Optional;

/**
 * The kernel operations {@link TunnelService} performs; {@link NetlinkTunnelKernel} is the real
 * one. Failures are {@link dev.gretun.core.os.NetlinkException}s carrying the kernel's errno.
 */
public interface TunnelKernel {
  Optional<Link> link(String name);

  List<Link> links();

  void addGreLink(GreLinkSpec spec);

  void deleteLink(int index);

  void setUp(int index, boolean up);

  void setMtu(int index, int mtu);

  void setAlias(int index, String alias);

  void setAddrGenModeNone(int index);

  void addAddress(int index, Inet4Address local, int prefixLength, Inet4Address peer);

  List<IfAddress> ipv4Addresses();

  List<FouPort> fouPorts();

  void addFouPort(int port);

  void deleteFouPort(int port);
}
