package dev.gretun.core.tunnel;

import dev.gretun.core.GretunException;
import dev.gretun.core.link.KernelErrors;
import dev.gretun.core.link.LinkControl;
import dev.gretun.core.link.Ownership;
import dev.gretun.core.os.Errno;
import dev.gretun.core.os.NetlinkException;
import dev.gretun.core.wire.netlink.FouPort;
import dev.gretun.core.wire.netlink.GreInfo;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import dev.gretun.core.wire.netlink.IfAddress;
import dev.gretun.core.wire.netlink.Link;
import dev.gretun.core.wire.netlink.Rtnl;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Static GRE tunnels: create (FOU port ensured, link added, IPv6 address generation off, MTU,
 * ownership mark, optional address, link up — everything rolled back on failure), delete (the FOU
 * port too when this tool opened it and no other tunnel uses it), list and status.
 */
public final class TunnelService {
  /**
   * The logger, made on the first line logged: {@code gretun list} logs nothing, and the first
   * logger starts the logging back end, tens of milliseconds of a short command's start.
   */
  private static final class Log {
    static final Logger LOG = LoggerFactory.getLogger(TunnelService.class);
  }

  /** The kernel's fallback devices, created when ip_gre loads; not tunnels anyone configured. */
  private static final Set<String> FALLBACK_DEVICES = Set.of("gre0", "gretap0", "erspan0");

  private final LinkControl kernel;
  private final BooleanSupplier hasNetAdmin;

  public TunnelService(LinkControl kernel, BooleanSupplier hasNetAdmin) {
    this.kernel = kernel;
    this.hasNetAdmin = hasNetAdmin;
  }

  public CreateResult create(TunnelSpec spec, List<String> warnings) {
    requireNetAdmin();
    GreLinkSpec gre = spec.link();
    String name = gre.name();
    if (kernel.link(name).isPresent()) {
      throw new GretunException(
          "exists",
          "a device named "
              + name
              + " already exists: pick another --name or 'gretun delete --name "
              + name
              + "'");
    }
    boolean fouCreated = false;
    if (spec.encap() == Encap.FOU) {
      fouCreated = ensureFouPort(spec.fouPort());
    }
    Integer linkIndex = null;
    try {
      try {
        kernel.addGreLink(gre);
      } catch (NetlinkException e) {
        if (e.is(Errno.EEXIST)) {
          throw new GretunException(
              "exists",
              "a GRE tunnel with local "
                  + gre.local().getHostAddress()
                  + ", remote "
                  + gre.remote().getHostAddress()
                  + " and "
                  + (gre.key() == null ? "no key" : "key " + gre.key())
                  + " already exists under another name; the kernel tells GRE tunnels apart by"
                  + " these three only: use a different --key",
              e);
        }
        throw e;
      }
      Link link =
          kernel
              .link(name)
              .orElseThrow(() -> new GretunException("kernel", name + " vanished after creation"));
      linkIndex = link.index();
      disableIpv6AddrGen(link);
      Integer mtu = spec.effectiveMtu();
      if (mtu != null) {
        kernel.setMtu(linkIndex, mtu);
      }
      kernel.setAlias(linkIndex, new Ownership(true, spec.fouPort(), fouCreated).toAlias());
      if (spec.tunnelIp() != null) {
        addAddress(spec, linkIndex);
      }
      kernel.setUp(linkIndex, true);
      Log.LOG.info(
          "tunnel_created name={} kind={} local={} remote={} key={} encap={} sport={} dport={}"
              + " fou_port={} fou_port_created={}",
          name,
          gre.kind().kernelName(),
          gre.local().getHostAddress(),
          gre.remote().getHostAddress(),
          gre.key(),
          spec.encap().jsonName(),
          gre.encapSport(),
          gre.encapDport(),
          spec.fouPort(),
          fouCreated);
      return new CreateResult(status(name), fouCreated, warnings);
    } catch (RuntimeException e) {
      rollback(name, linkIndex, spec.fouPort(), fouCreated);
      throw KernelErrors.translate(e, "create tunnel " + name);
    }
  }

  public DeleteResult delete(String name) {
    TunnelValidation.name(name);
    requireNetAdmin();
    Link link = greLink(name);
    Ownership own = Ownership.parse(link.alias());
    try {
      kernel.deleteLink(link.index());
    } catch (RuntimeException e) {
      throw KernelErrors.translate(e, "delete tunnel " + name);
    }
    Integer removed = null;
    String movedTo = null;
    if (own.managed() && own.fouPort() != 0 && own.fouOwner()) {
      List<Link> sharers =
          kernel.links().stream()
              .filter(l -> l.gre() != null && l.index() != link.index())
              .filter(l -> Ownership.parse(l.alias()).fouPort() == own.fouPort())
              .sorted(Comparator.comparing(Link::name))
              .toList();
      if (sharers.isEmpty()) {
        try {
          kernel.deleteFouPort(own.fouPort());
          removed = own.fouPort();
        } catch (RuntimeException e) {
          throw KernelErrors.translate(
              e, "tunnel " + name + " deleted, but removing FOU port " + own.fouPort());
        }
      } else {
        Link heir = sharers.get(0);
        kernel.setAlias(heir.index(), Ownership.parse(heir.alias()).withFouOwner(true).toAlias());
        movedTo = heir.name();
      }
    }
    Log.LOG.info(
        "tunnel_deleted name={} fou_port_removed={} fou_owner_moved_to={}", name, removed, movedTo);
    return new DeleteResult(name, removed, movedTo);
  }

  /** Every gre/gretap tunnel (kernel fallback devices excluded), sorted by name. */
  public List<TunnelStatus> list() {
    Map<Integer, List<IfAddress>> addrs = addressesByIndex();
    List<TunnelStatus> out = new ArrayList<>();
    for (Link l : kernel.links()) {
      if (isTunnel(l)) {
        out.add(toStatus(l, addrs.getOrDefault(l.index(), List.of())));
      }
    }
    out.sort(Comparator.comparing(TunnelStatus::name));
    return out;
  }

  public TunnelStatus status(String name) {
    TunnelValidation.name(name);
    Link l = greLink(name);
    return toStatus(l, addressesByIndex().getOrDefault(l.index(), List.of()));
  }

  private Link greLink(String name) {
    Link link =
        kernel
            .link(name)
            .orElseThrow(
                () ->
                    new GretunException(
                        "not_found", "no tunnel named " + name + " ('gretun list' shows them)"));
    if (link.gre() == null) {
      throw new GretunException(
          "not_a_tunnel",
          name
              + " is a "
              + (link.kind().isEmpty() ? "plain" : link.kind())
              + " device, not a GRE tunnel; gretun leaves it alone");
    }
    return link;
  }

  private static boolean isTunnel(Link l) {
    return l.gre() != null && !FALLBACK_DEVICES.contains(l.name());
  }

  private Map<Integer, List<IfAddress>> addressesByIndex() {
    return kernel.ipv4Addresses().stream().collect(Collectors.groupingBy(IfAddress::index));
  }

  static TunnelStatus toStatus(Link l, List<IfAddress> addrs) {
    GreInfo g = l.gre();
    Ownership own = Ownership.parse(l.alias());
    boolean fou = g.encapType() == Rtnl.TUNNEL_ENCAP_FOU;
    String encap =
        switch (g.encapType()) {
          case Rtnl.TUNNEL_ENCAP_NONE -> "none";
          case Rtnl.TUNNEL_ENCAP_FOU -> "fou";
          case Rtnl.TUNNEL_ENCAP_GUE -> "gue";
          default -> "type-" + g.encapType();
        };
    boolean encapped = g.encapType() != Rtnl.TUNNEL_ENCAP_NONE;
    return new TunnelStatus(
        l.name(),
        l.kind(),
        g.local() == null ? null : g.local().getHostAddress(),
        g.remote() == null ? null : g.remote().getHostAddress(),
        g.okey() != null ? g.okey() : g.ikey(),
        g.ttl(),
        g.pmtudisc(),
        encap,
        encapped ? g.encapSport() : null,
        encapped ? g.encapDport() : null,
        encapped ? (g.encapFlags() & Rtnl.TUNNEL_ENCAP_FLAG_CSUM) != 0 : null,
        fou && own.fouPort() != 0 ? own.fouPort() : null,
        own.managed(),
        l.mtu(),
        l.adminUp(),
        l.operStateName(),
        addrs.stream().map(IfAddress::display).toList(),
        l.stats().rxPackets(),
        l.stats().rxBytes(),
        l.stats().txPackets(),
        l.stats().txBytes(),
        l.stats().rxErrors(),
        l.stats().txErrors(),
        l.stats().rxDropped(),
        l.stats().txDropped());
  }

  /**
   * Opens FOU port {@code port} unless it is already open; returns true when this call opened it.
   * The listing comes first because a duplicate FOU_CMD_ADD does not answer EEXIST: the kernel
   * binds the UDP socket before its duplicate check, so the bind fails with EADDRINUSE (and a
   * racing add that got past the bind sees EALREADY from the port list).
   */
  private boolean ensureFouPort(int port) {
    try {
      if (hasFouPort(port)) {
        Log.LOG.info("fou_port_reused port={}", port);
        return false;
      }
      try {
        kernel.addFouPort(port);
        Log.LOG.info("fou_port_created port={}", port);
        return true;
      } catch (NetlinkException e) {
        if ((e.is(Errno.EADDRINUSE) || e.is(Errno.EALREADY) || e.is(Errno.EEXIST))
            && hasFouPort(port)) {
          Log.LOG.info("fou_port_reused port={} after={}", port, Errno.describe(e.errno()));
          return false;
        }
        if (e.is(Errno.EADDRINUSE)) {
          throw new GretunException(
              "address_in_use",
              "UDP port "
                  + port
                  + " is taken by another socket, so the kernel cannot receive FOU on it:"
                  + " stop that program or choose another --fou-port",
              e);
        }
        throw e;
      }
    } catch (NetlinkException e) {
      if (e.is(Errno.ENOENT)) {
        // CTRL_CMD_GETFAMILY answers ENOENT when no "fou" generic netlink family exists.
        throw new GretunException("kernel_support", KernelErrors.KERNEL_LACKS_GRE, e);
      }
      throw KernelErrors.translate(e, "open FOU port " + port);
    }
  }

  private boolean hasFouPort(int port) {
    for (FouPort p : kernel.fouPorts()) {
      if (p.port() == port) {
        return true;
      }
    }
    return false;
  }

  private void disableIpv6AddrGen(Link link) {
    try {
      kernel.setAddrGenModeNone(link.index());
    } catch (NetlinkException e) {
      // A kernel without IPv6 rejects IFLA_AF_SPEC/AF_INET6; then there is nothing to disable.
      if (!(e.is(Errno.EAFNOSUPPORT) || e.is(Errno.EOPNOTSUPP))) {
        throw e;
      }
      Log.LOG.debug(
          "ipv6_addrgen_skipped name={} errno={}", link.name(), Errno.describe(e.errno()));
    }
  }

  private void addAddress(TunnelSpec spec, int index) {
    try {
      kernel.addAddress(
          index, spec.tunnelIp().address(), spec.tunnelIp().prefixLength(), spec.peerIp());
    } catch (NetlinkException e) {
      if (e.is(Errno.EEXIST)) {
        throw new GretunException(
            "exists",
            "address " + spec.tunnelIp() + " is already assigned to " + spec.link().name(),
            e);
      }
      throw e;
    }
  }

  private void rollback(String name, Integer linkIndex, int fouPort, boolean fouCreated) {
    if (linkIndex != null) {
      try {
        kernel.deleteLink(linkIndex);
        Log.LOG.info("rollback_link_deleted name={}", name);
      } catch (RuntimeException e) {
        Log.LOG.warn("rollback_link_failed name={} error={}", name, e.getMessage());
      }
    }
    if (fouCreated) {
      try {
        kernel.deleteFouPort(fouPort);
        Log.LOG.info("rollback_fou_port_deleted port={}", fouPort);
      } catch (RuntimeException e) {
        Log.LOG.warn("rollback_fou_port_failed port={} error={}", fouPort, e.getMessage());
      }
    }
  }

  private void requireNetAdmin() {
    if (!hasNetAdmin.getAsBoolean()) {
      throw new GretunException("permission", KernelErrors.NEEDS_NET_ADMIN);
    }
  }
}
