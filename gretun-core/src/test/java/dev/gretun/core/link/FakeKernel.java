package dev.gretun.core.link;

import dev.gretun.core.os.Errno;
import dev.gretun.core.os.NetlinkException;
import dev.gretun.core.wire.netlink.FouPort;
import dev.gretun.core.wire.netlink.GreInfo;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import dev.gretun.core.wire.netlink.IfAddress;
import dev.gretun.core.wire.netlink.Link;
import dev.gretun.core.wire.netlink.LinkStats;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** In-memory kernel with GRE/FOU semantics the service relies on, and injectable failures. */
public final class FakeKernel implements TunnelKernel {
  public final Map<String, Link> links = new LinkedHashMap<>();
  public final TreeSet<Integer> fouPorts = new TreeSet<>();
  public final List<IfAddress> addresses = new ArrayList<>();
  public final List<String> calls = new ArrayList<>();

  /** Operation name → errno to fail it with. */
  public final Map<String, Integer> failures = new LinkedHashMap<>();

  public boolean fouFamily = true;
  private int nextIndex = 10;

  private void maybeFail(String op) {
    calls.add(op);
    Integer errno = failures.get(op);
    if (errno != null) {
      throw new NetlinkException(errno, null);
    }
  }

  @Override
  public Optional<Link> link(String name) {
    return Optional.ofNullable(links.get(name));
  }

  @Override
  public List<Link> links() {
    return List.copyOf(links.values());
  }

  @Override
  public void addGreLink(GreLinkSpec s) {
    maybeFail("addGreLink");
    for (Link l : links.values()) {
      GreInfo g = l.gre();
      if (g != null
          && g.local().equals(s.local())
          && g.remote().equals(s.remote())
          && java.util.Objects.equals(g.okey(), s.key())) {
        throw new NetlinkException(Errno.EEXIST.value(), null);
      }
    }
    GreInfo g =
        new GreInfo(
            s.local(),
            s.remote(),
            s.key(),
            s.key(),
            s.ttl(),
            s.pmtudisc(),
            s.encapType(),
            s.encapCsum() ? 1 : 0,
            s.encapSport(),
            s.encapDport());
    links.put(
        s.name(),
        new Link(
            nextIndex++, s.name(), s.kind().kernelName(), 0, 1476, 2, null, g, LinkStats.ZERO));
  }

  private void replace(int index, java.util.function.UnaryOperator<Link> f) {
    for (Map.Entry<String, Link> e : links.entrySet()) {
      if (e.getValue().index() == index) {
        e.setValue(f.apply(e.getValue()));
        return;
      }
    }
    throw new NetlinkException(Errno.ENODEV.value(), null);
  }

  @Override
  public void deleteLink(int index) {
    maybeFail("deleteLink");
    links.values().removeIf(l -> l.index() == index);
    addresses.removeIf(a -> a.index() == index);
  }

  @Override
  public void setUp(int index, boolean up) {
    maybeFail("setUp");
    replace(
        index,
        l ->
            new Link(
                l.index(),
                l.name(),
                l.kind(),
                up ? 1 : 0,
                l.mtu(),
                up ? 0 : 2,
                l.alias(),
                l.gre(),
                l.stats()));
  }

  @Override
  public void setMtu(int index, int mtu) {
    maybeFail("setMtu");
    replace(
        index,
        l ->
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
    maybeFail("setAlias");
    replace(
        index,
        l ->
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
    maybeFail("setAddrGenModeNone");
  }

  @Override
  public void addAddress(int index, Inet4Address local, int prefixLength, Inet4Address peer) {
    maybeFail("addAddress");
    addresses.add(new IfAddress(index, 2, prefixLength, local, peer));
  }

  @Override
  public List<IfAddress> ipv4Addresses() {
    return List.copyOf(addresses);
  }

  private void needFou() {
    if (!fouFamily) {
      throw new NetlinkException(Errno.ENOENT.value(), null);
    }
  }

  @Override
  public List<FouPort> fouPorts() {
    needFou();
    return fouPorts.stream().map(p -> new FouPort(p, 2, 47, 1)).toList();
  }

  @Override
  public void addFouPort(int port) {
    needFou();
    maybeFail("addFouPort");
    if (!fouPorts.add(port)) {
      throw new NetlinkException(Errno.EADDRINUSE.value(), null);
    }
  }

  @Override
  public void deleteFouPort(int port) {
    needFou();
    maybeFail("deleteFouPort");
    if (!fouPorts.remove(port)) {
      throw new NetlinkException(Errno.ENOENT.value(), null);
    }
  }
}
