package dev.gretun.core.link;

import dev.gretun.core.os.Errno;
import dev.gretun.core.os.NetlinkException;
import dev.gretun.core.wire.netlink.FouPort;
import dev.gretun.core.wire.netlink.GreInfo;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import dev.gretun.core.wire.netlink.IfAddress;
import dev.gretun.core.wire.netlink.Link;
import dev.gretun.core.wire.netlink.LinkStats;
import dev.gretun.core.wire.netlink.Rtnl;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An in-memory kernel with the link, address, route and FOU semantics gretun relies on: EEXIST for
 * a taken name or a taken (local, remote, key) GRE tuple, ENODEV for an unknown index, EADDRINUSE
 * for an open FOU port, ENOENT for a closed one or (with {@link #fouFamily} false) for a kernel
 * without the fou family.
 *
 * <p>Every change is logged in {@link #calls} as "op arg ..." ({@code add gt0}, {@code up gt0},
 * {@code mtu gt0 1468}, {@code fou-add 7777}, ...), and {@link #failures} makes an operation, by
 * its method name, fail with an errno after it is logged.
 */
public final class FakeLinkControl implements LinkControl {
  public final Map<String, Link> links = new LinkedHashMap<>();

  /** Link index → the spec it was added or last changed with. */
  public final Map<Integer, GreLinkSpec> specs = new LinkedHashMap<>();

  public final List<IfAddress> addresses = new ArrayList<>();

  /** Open FOU ports, in the order they were opened. */
  public final List<Integer> fou = new ArrayList<>();

  public final List<String> calls = new ArrayList<>();

  /** Method name (e.g. "setUp") → errno to fail it with. */
  public final Map<String, Integer> failures = new LinkedHashMap<>();

  /** False: a kernel without the fou module (every FOU operation answers ENOENT). */
  public boolean fouFamily = true;

  /** What {@link #routeSource} answers. */
  public Inet4Address source = v4("192.168.1.10");

  public boolean closed;
  private int nextIndex = 10;

  public static Inet4Address v4(String s) {
    try {
      return (Inet4Address) InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** Puts a link there as if someone else (or an older run) had made it. */
  public void existing(String name, String kind, String alias) {
    links.put(name, new Link(nextIndex++, name, kind, 0, 1500, 2, alias, null, LinkStats.ZERO));
  }

  public void setStats(String name, long rxPackets, long rxBytes, long txPackets, long txBytes) {
    Link l = links.get(name);
    links.put(name, l.withStats(new LinkStats(rxPackets, txPackets, rxBytes, txBytes, 0, 0, 0, 0)));
  }

  private void record(String method, String call) {
    calls.add(call);
    Integer errno = failures.get(method);
    if (errno != null) {
      throw new NetlinkException(errno, null);
    }
  }

  private Link byIndex(int index) {
    return links.values().stream()
        .filter(l -> l.index() == index)
        .findFirst()
        .orElseThrow(() -> new NetlinkException(Errno.ENODEV.value(), null));
  }

  private void replace(Link l, int flags, int mtu, int operState, String alias, GreInfo gre) {
    links.put(
        l.name(),
        new Link(l.index(), l.name(), l.kind(), flags, mtu, operState, alias, gre, l.stats()));
  }

  private static GreInfo greInfo(GreLinkSpec s) {
    return new GreInfo(
        s.local(),
        s.remote(),
        s.key(),
        s.key(),
        s.ttl(),
        s.pmtudisc(),
        s.encapType(),
        s.encapCsum() ? Rtnl.TUNNEL_ENCAP_FLAG_CSUM : 0,
        s.encapSport(),
        s.encapDport());
  }

  /** The kernel tells GRE tunnels apart by local, remote and key only. */
  private void requireFreeTuple(GreLinkSpec s, int exceptIndex) {
    for (Link l : links.values()) {
      GreInfo g = l.gre();
      if (g != null
          && l.index() != exceptIndex
          && Objects.equals(g.local(), s.local())
          && Objects.equals(g.remote(), s.remote())
          && Objects.equals(g.okey(), s.key())) {
        throw new NetlinkException(Errno.EEXIST.value(), null);
      }
    }
  }

  @Override
  public List<Link> links() {
    return List.copyOf(links.values());
  }

  @Override
  public Optional<Link> link(String name) {
    return Optional.ofNullable(links.get(name));
  }

  @Override
  public void addGreLink(GreLinkSpec spec) {
    record("addGreLink", "add " + spec.name());
    if (links.containsKey(spec.name())) {
      throw new NetlinkException(Errno.EEXIST.value(), null);
    }
    requireFreeTuple(spec, -1);
    int index = nextIndex++;
    links.put(
        spec.name(),
        new Link(
            index,
            spec.name(),
            spec.kind().kernelName(),
            0,
            1476,
            2,
            null,
            greInfo(spec),
            LinkStats.ZERO));
    specs.put(index, spec);
  }

  @Override
  public void changeGreLink(int index, GreLinkSpec spec) {
    Link l = byIndex(index);
    record("changeGreLink", "change " + l.name() + " dport=" + spec.encapDport());
    requireFreeTuple(spec, index);
    replace(l, l.flags(), l.mtu(), l.operState(), l.alias(), greInfo(spec));
    specs.put(index, spec);
  }

  @Override
  public void deleteLink(int index) {
    Link l = byIndex(index);
    record("deleteLink", "del " + l.name());
    links.remove(l.name());
    specs.remove(index);
    addresses.removeIf(a -> a.index() == index);
  }

  /** Up: IFF_UP and operstate unknown (what a GRE device reports); down: operstate down. */
  @Override
  public void setUp(int index, boolean up) {
    Link l = byIndex(index);
    record("setUp", (up ? "up " : "down ") + l.name());
    replace(l, up ? Rtnl.IFF_UP : 0, l.mtu(), up ? 0 : 2, l.alias(), l.gre());
  }

  @Override
  public void setMtu(int index, int mtu) {
    Link l = byIndex(index);
    record("setMtu", "mtu " + l.name() + " " + mtu);
    replace(l, l.flags(), mtu, l.operState(), l.alias(), l.gre());
  }

  /** Devices whose transmit checksum offload was turned off (every device starts with it on). */
  public final java.util.Set<String> txChecksumOff = new java.util.TreeSet<>();

  @Override
  public void setTxChecksum(String name, boolean on) {
    if (!links.containsKey(name)) {
      throw new NetlinkException(Errno.ENODEV.value(), null);
    }
    record("setTxChecksum", "tx-csum " + name + " " + (on ? "on" : "off"));
    if (on) {
      txChecksumOff.remove(name);
    } else {
      txChecksumOff.add(name);
    }
  }

  @Override
  public void setAlias(int index, String alias) {
    Link l = byIndex(index);
    record("setAlias", "alias " + l.name() + " " + alias);
    replace(l, l.flags(), l.mtu(), l.operState(), alias, l.gre());
  }

  @Override
  public void setAddrGenModeNone(int index) {
    record("setAddrGenModeNone", "addrgenmode-none " + byIndex(index).name());
  }

  /** "LOCAL peer PEER" for a /32 point-to-point address, else "LOCAL/LEN[ peer PEER]". */
  private static String address(Inet4Address local, int prefixLength, Inet4Address peer) {
    String l = local.getHostAddress();
    if (peer == null) {
      return l + "/" + prefixLength;
    }
    return (prefixLength == 32 ? l : l + "/" + prefixLength) + " peer " + peer.getHostAddress();
  }

  @Override
  public void addAddress(int index, Inet4Address local, int prefixLength, Inet4Address peer) {
    record(
        "addAddress", "addr " + byIndex(index).name() + " " + address(local, prefixLength, peer));
    IfAddress a = new IfAddress(index, 2, prefixLength, local, peer);
    if (addresses.contains(a)) {
      throw new NetlinkException(Errno.EEXIST.value(), null);
    }
    addresses.add(a);
  }

  @Override
  public void deleteAddress(int index, Inet4Address local, int prefixLength, Inet4Address peer) {
    record(
        "deleteAddress",
        "addr-del " + byIndex(index).name() + " " + address(local, prefixLength, peer));
    if (!addresses.remove(new IfAddress(index, 2, prefixLength, local, peer))) {
      throw new NetlinkException(Errno.EADDRNOTAVAIL.value(), null);
    }
  }

  @Override
  public List<IfAddress> ipv4Addresses() {
    return List.copyOf(addresses);
  }

  @Override
  public void unreachableRoute(boolean add, Inet4Address network, int prefixLength, int metric) {
    record(
        "unreachableRoute",
        (add ? "route-add " : "route-del ")
            + network.getHostAddress()
            + "/"
            + prefixLength
            + " metric "
            + metric);
  }

  @Override
  public Inet4Address routeSource(Inet4Address dst) {
    record("routeSource", "route-get " + dst.getHostAddress());
    return source;
  }

  private void needFouFamily() {
    if (!fouFamily) {
      throw new NetlinkException(Errno.ENOENT.value(), null);
    }
  }

  @Override
  public List<FouPort> fouPorts() {
    needFouFamily();
    return fou.stream().map(p -> new FouPort(p, 2, 47, 1)).toList();
  }

  @Override
  public void addFouPort(int port) {
    needFouFamily();
    record("addFouPort", "fou-add " + port);
    if (fou.contains(port)) {
      throw new NetlinkException(Errno.EADDRINUSE.value(), null);
    }
    fou.add(port);
  }

  @Override
  public void deleteFouPort(int port) {
    needFouFamily();
    record("deleteFouPort", "fou-del " + port);
    if (!fou.remove((Integer) port)) {
      throw new NetlinkException(Errno.ENOENT.value(), null);
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}
