package dev.gretun.core.link;

import dev.gretun.core.wire.netlink.FouPort;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import dev.gretun.core.wire.netlink.Link;
import java.net.Inet4Address;
import java.util.List;
import java.util.Optional;

/**
 * The kernel operations the kernel data plane performs on links, addresses, routes and FOU ports;
 * {@link NetlinkKernelNet} is the real one, tests use a fake. Failures are {@link
 * dev.gretun.core.os.NetlinkException}s carrying the errno.
 */
public interface KernelNet extends AutoCloseable {
  List<Link> links();

  Optional<Link> link(String name);

  void addGreLink(GreLinkSpec spec);

  /** Changes remote/local/encap ports of an existing gre link in place. */
  void changeGreLink(int index, GreLinkSpec spec);

  void deleteLink(int index);

  void setUp(int index, boolean up);

  void setMtu(int index, int mtu);

  void setAlias(int index, String alias);

  void setAddrGenModeNone(int index);

  /** A point-to-point address: {@code local} with {@code peer} as IFA_ADDRESS (a /32 route). */
  void addPeerAddress(int index, Inet4Address local, Inet4Address peer);

  void unreachableRoute(boolean add, Inet4Address network, int prefixLength, int metric);

  /** The source address the kernel uses toward {@code dst} (RTM_GETROUTE's preferred source). */
  Inet4Address routeSource(Inet4Address dst);

  List<FouPort> fouPorts();

  void addFouPort(int port);

  void deleteFouPort(int port);

  @Override
  void close();
}
