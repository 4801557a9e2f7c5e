package dev.gretun.core.link;

import dev.gretun.core.os.Errno;
import dev.gretun.core.os.NetlinkException;
import dev.gretun.core.wire.netlink.FouPort;
import dev.gretun.core.wire.netlink.GreLinkSpec;
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
import java.util.Optional;

/** An in-memory kernel: links by name, FOU ports, a call log ("op arg ..."), errno injection. */
public final class FakeKernelNet implements KernelNet {
  public final Map<String, Link> links = new LinkedHashMap<>();
  public final Map<Integer, GreLinkSpec> specs = new LinkedHashMap<>();
  public final List<Integer> fou = new ArrayList<>();
  public final List<String> calls = new ArrayList<>();
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

  private Link byIndex(int index) {
    return links.values().stream()
        .filter(l -> l.index() == index)
        .findFirst()
        .orElseThrow(() -> new NetlinkException(Errno.ENODEV.value(), null));
  }

  private void replace(Link l) {
    links.put(l.name(), l);
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
    calls.add("add " + spec.name());
    if (links.containsKey(spec.name())) {
      throw new NetlinkException(Errno.EEXIST.value(), null);
    }
    int index = nextIndex++;
    links.put(
        spec.name(), new Link(index, spec.name(), "gre", 0, 1476, 2, null, null, LinkStats.ZERO));
    specs.put(index, spec);
  }

  @Override
  public void changeGreLink(int index, GreLinkSpec spec) {
    calls.add("change " + byIndex(index).name() + " dport=" + spec.encapDport());
    specs.put(index, spec);
  }

  @Override
  public void deleteLink(int index) {
    Link l = byIndex(index);
    calls.add("del " + l.name());
    links.remove(l.name());
    specs.remove(index);
  }

  @Override
  public void setUp(int index, boolean up) {
    Link l = byIndex(index);
    calls.add((up ? "up " : "down ") + l.name());
    replace(
        new Link(
            l.index(),
            l.name(),
            l.kind(),
            up ? Rtnl.IFF_UP : 0,
            l.mtu(),
            l.operState(),
            l.alias(),
            l.gre(),
            l.stats()));
  }

  @Override
  public void setMtu(int index, int mtu) {
    Link l = byIndex(index);
    calls.add("mtu " + l.name() + " " + mtu);
    replace(
        new Link(
            l.index(),
            l.name(),
            l.kind(),
            l.flags(),
            mtu,
            l.operState(),
            l.alias(),
            l.gre(),
            l.stats()));
  }

  @Override
  public void setAlias(int index, String alias) {
    Link l = byIndex(index);
    calls.add("alias " + l.name() + " " + alias);
    replace(
        new Link(
            l.index(),
            l.name(),
            l.kind(),
            l.flags(),
            l.mtu(),
            l.operState(),
            alias,
            l.gre(),
            l.stats()));
  }

  @Override
  public void setAddrGenModeNone(int index) {
    calls.add("addrgenmode-none " + byIndex(index).name());
  }

  @Override
  public void addPeerAddress(int index, Inet4Address local, Inet4Address peer) {
    calls.add(
        "addr "
            + byIndex(index).name()
            + " "
            + local.getHostAddress()
            + " peer "
            + peer.getHostAddress());
  }

  @Override
  public void unreachableRoute(boolean add, Inet4Address network, int prefixLength, int metric) {
    calls.add(
        (add ? "route-add " : "route-del ")
            + network.getHostAddress()
            + "/"
            + prefixLength
            + " metric "
            + metric);
  }

  @Override
  public Inet4Address routeSource(Inet4Address dst) {
    calls.add("route-get " + dst.getHostAddress());
    return source;
  }

  @Override
  public List<FouPort> fouPorts() {
    return fou.stream().map(p -> new FouPort(p, 2, 47, 1)).toList();
  }

  @Override
  public void addFouPort(int port) {
    calls.add("fou-add " + port);
    if (fou.contains(port)) {
      throw new NetlinkException(Errno.EADDRINUSE.value(), null);
    }
    fou.add(port);
  }

  @Override
  public void deleteFouPort(int port) {
    calls.add("fou-del " + port);
    fou.remove((Integer) port);
  }

  @Override
  public void close() {
    closed = true;
  }
}
