package dev.gretun.core.dataplane.kernel;

import dev.gretun.core.GretunException;
import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.link.KernelErrors;
import dev.gretun.core.link.LinkControl;
import dev.gretun.core.os.Errno;
import dev.gretun.core.os.NetlinkException;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.wire.netlink.GreKind;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import dev.gretun.core.wire.netlink.Link;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel plane's per-peer GRE devices, keyed by peer id: created on the first route with an
 * endpoint, retargeted in place when the endpoint changes, down while the route does not send, and
 * deleted when the peer goes (docs/KERNEL-DATAPLANE.md, "Devices").
 */
final class GreDevices {
  private static final Logger log = LoggerFactory.getLogger(GreDevices.class);
  static final int MTU = 1464;
  static final int TTL = 64;
  private static final int TUNNEL_ENCAP_FOU = 1;

  private final LinkControl kernel;
  private final SourceAddresses sources;
  private final int port;
  private final Inet4Address tunnelIp;
  private final ReversePathFilter rpFilter;
  private final Map<String, PeerDevice> byPeer = new HashMap<>();

  GreDevices(
      LinkControl kernel,
      SourceAddresses sources,
      int port,
      Inet4Address tunnelIp,
      ReversePathFilter rpFilter) {
    this.kernel = kernel;
    this.sources = sources;
    this.port = port;
    this.tunnelIp = tunnelIp;
    this.rpFilter = rpFilter;
  }

  /** Deletes the devices a killed daemon on this port left behind (and nothing else). */
  void removeLeftovers() {
    for (Link l : kernel.links()) {
      if (PeerDevices.isOurs(l, port)) {
        kernel.deleteLink(l.index());
        log.info("kernel_leftover_removed device={} alias={}", l.name(), l.alias());
      }
    }
  }

  Collection<PeerDevice> all() {
    return byPeer.values();
  }

  PeerDevice get(String peer) {
    return byPeer.get(peer);
  }

  void apply(Collection<PeerRoute> routes) {
    Set<String> wanted = new HashSet<>();
    for (PeerRoute r : routes) {
      wanted.add(r.peer());
    }
    for (var it = byPeer.values().iterator(); it.hasNext(); ) {
      PeerDevice d = it.next();
      if (!wanted.contains(d.peer)) {
        it.remove();
        delete(d);
      }
    }
    for (PeerRoute r : routes) {
      PeerDevice d = byPeer.computeIfAbsent(r.peer(), PeerDevice::new);
      if (!r.equals(d.route)) {
        reconcile(d, r);
      }
    }
  }

  private void reconcile(PeerDevice d, PeerRoute r) {
    PeerRoute old = d.route;
    if (old != null && (old.greKey() != r.greKey() || !old.tunnelIp().equals(r.tunnelIp()))) {
      delete(d); // re-created below with the new key or address
    }
    d.route = r;
    d.name = PeerDevices.name(r.greKey());
    if (r.active()) {
      activate(d, r);
    } else if (d.up) {
      setUp(d, false);
    }
  }

  /** Creates or retargets the device toward the route's endpoint, then brings it up. */
  private void activate(PeerDevice d, PeerRoute r) {
    InetSocketAddress ep = r.endpoint();
    if (!d.exists() || !ep.equals(endpointOf(d.spec))) {
      int remoteIp = SockAddrIn.ipv4(ep.getAddress());
      sources.forget(remoteIp); // the route toward a new endpoint may have changed
      Inet4Address local = sources.toward(remoteIp);
      GreLinkSpec spec =
          new GreLinkSpec(
              d.name,
              GreKind.GRE,
              local,
              (Inet4Address) ep.getAddress(),
              Integer.toUnsignedLong(r.greKey()),
              TTL,
              false,
              TUNNEL_ENCAP_FOU,
              port,
              ep.getPort(),
              false);
      if (!d.exists()) {
        create(d, spec, r);
      } else if (!spec.equals(d.spec)) {
        kernel.changeGreLink(d.index, spec);
        d.spec = spec;
        log.info(
            "kernel_device_retargeted device={} local={} remote={}:{}",
            d.name,
            local.getHostAddress(),
            ep.getAddress().getHostAddress(),
            ep.getPort());
      }
    }
    if (!d.up) {
      setUp(d, true);
    }
  }

  private static InetSocketAddress endpointOf(GreLinkSpec spec) {
    return spec == null ? null : new InetSocketAddress(spec.remote(), spec.encapDport());
  }

  private void create(PeerDevice d, GreLinkSpec spec, PeerRoute r) {
    try {
      kernel.addGreLink(spec);
    } catch (NetlinkException e) {
      if (!e.is(Errno.EEXIST)) {
        throw KernelErrors.translate(e, "create " + d.name);
      }
      // A device with this name survived (e.g. made by an older run on another port): replace it
      // only when it carries our mark for this port.
      Link old =
          kernel.link(d.name).orElseThrow(() -> KernelErrors.translate(e, "create " + d.name));
      if (!PeerDevices.isOurs(old, port)) {
        throw KernelErrors.translate(e, "create " + d.name);
      }
      kernel.deleteLink(old.index());
      kernel.addGreLink(spec);
    }
    Link link =
        kernel
            .link(d.name)
            .orElseThrow(() -> new GretunException("kernel", d.name + " vanished after creation"));
    d.index = link.index();
    d.spec = spec;
    d.up = false;
    d.seen = link.stats();
    try {
      kernel.setAlias(d.index, PeerDevices.alias(port));
      kernel.setAddrGenModeNone(d.index);
      kernel.setMtu(d.index, MTU);
      rpFilter.strict(d.name); // before the address: no packet is taken in without the check
      kernel.addPeerAddress(d.index, tunnelIp, r.tunnelIp());
    } catch (RuntimeException e) {
      delete(d);
      throw e;
    }
    log.info(
        "kernel_device_created device={} local={} remote={}:{} key={} peer_ip={}",
        d.name,
        spec.local().getHostAddress(),
        spec.remote().getHostAddress(),
        spec.encapDport(),
        Integer.toUnsignedString(r.greKey()),
        r.tunnelIp().getHostAddress());
  }

  private void setUp(PeerDevice d, boolean up) {
    if (!d.exists()) {
      return;
    }
    try {
      kernel.setUp(d.index, up);
      d.up = up;
    } catch (NetlinkException e) {
      if (!e.is(Errno.ENODEV)) {
        throw e;
      }
      vanished(d);
    }
  }

  /**
   * Someone deleted the device under us: forget it (the next active route re-creates it) and report
   * the path as lost.
   */
  void vanished(PeerDevice d) {
    log.warn("kernel_device_vanished device={}", d.name);
    d.index = -1;
    d.spec = null;
    d.up = false;
    d.lost = "device " + d.name + " deleted";
  }

  private void delete(PeerDevice d) {
    if (!d.exists()) {
      return;
    }
    try {
      kernel.deleteLink(d.index);
      log.info("kernel_device_deleted device={}", d.name);
    } catch (NetlinkException e) {
      if (!e.is(Errno.ENODEV)) {
        log.warn("kernel_device_delete_failed device={} error={}", d.name, e.getMessage());
      }
    }
    d.index = -1;
    d.spec = null;
    d.up = false;
  }

  void deleteAll() {
    for (PeerDevice d : byPeer.values()) {
      delete(d);
    }
    byPeer.clear();
  }

  /** Names of the devices that exist, sorted (for tests and status). */
  List<String> names() {
    List<String> out = new ArrayList<>();
    for (PeerDevice d : byPeer.values()) {
      if (d.exists()) {
        out.add(d.name);
      }
    }
    out.sort(null);
    return out;
  }
}
