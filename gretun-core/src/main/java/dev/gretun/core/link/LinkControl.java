package dev.gretun.core.link;

import dev.gretun.core.wire.netlink.FouPort;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import dev.gretun.core.wire.netlink.IfAddress;
import dev.gretun.core.wire.netlink.Link;
import dev.gretun.core.wire.netlink.LinkStats;
import java.net.Inet4Address;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kernel's links, addresses, routes and FOU receive ports, as the tunnel service, the kernel
 * data plane and the daemon's TUN set-up change them. {@link NetlinkLinkControl} is the real one;
 * tests use the in-memory fake. Failures are {@link dev.gretun.core.os.NetlinkException}s carrying
 * the kernel's errno ({@link KernelErrors} words them for operators).
 */
public interface LinkControl extends AutoCloseable {
  List<Link> links();

  /**
   * Every device's counters by interface index. The real one asks for the counters alone (a
   * daemon's tick reads them several times a second while data moves); this default takes them from
   * {@link #links()}.
   */
  default Map<Integer, LinkStats> linkStats() {
    Map<Integer, LinkStats> out = new HashMap<>();
    for (Link l : links()) {
      out.put(l.index(), l.stats());
    }
    return out;
  }

  /** The device called {@code name}, or empty when there is none. */
  Optional<Link> link(String name);

  void addGreLink(GreLinkSpec spec);

  /** Changes remote/local/encap ports of an existing gre link in place. */
  void changeGreLink(int index, GreLinkSpec spec);

  void deleteLink(int index);

  void setUp(int index, boolean up);

  void setMtu(int index, int mtu);

  void setAlias(int index, String alias);

  /**
   * Transmit checksum offload on device {@code name} ({@code ethtool -K NAME tx on|off}). Off makes
   * the kernel finish every inner checksum before encapsulation, which a userspace forwarder on the
   * path needs (docs/KERNEL-DATAPLANE.md "Relay").
   */
  void setTxChecksum(String name, boolean on);

  /** No IPv6 link-local address and no router solicitations on this device. */
  void setAddrGenModeNone(int index);

  /** Adds {@code local/prefixLength}, or a point-to-point address when {@code peer} is non-null. */
  void addAddress(int index, Inet4Address local, int prefixLength, Inet4Address peer);

  /** A point-to-point address: {@code local} with {@code peer} as IFA_ADDRESS (a /32 route). */
  default void addPeerAddress(int index, Inet4Address local, Inet4Address peer) {
    addAddress(index, local, 32, peer);
  }

  void deleteAddress(int index, Inet4Address local, int prefixLength, Inet4Address peer);

  List<IfAddress> ipv4Addresses();

  /** Adds or deletes an {@code unreachable NETWORK/LEN metric M} route in the main table. */
  void unreachableRoute(boolean add, Inet4Address network, int prefixLength, int metric);

  /** The source address the kernel uses toward {@code dst} (RTM_GETROUTE's preferred source). */
  Inet4Address routeSource(Inet4Address dst);

  List<FouPort> fouPorts();

  /** Opens IPv4 UDP {@code port} for GRE-in-UDP. */
  void addFouPort(int port);

  void deleteFouPort(int port);

  @Override
  void close();
}
