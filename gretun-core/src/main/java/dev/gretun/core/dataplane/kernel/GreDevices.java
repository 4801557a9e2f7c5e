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
import dev.gretun.core.wire.netlink.LinkStats;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel plane's per-peer GRE devices, keyed by peer id: created on the first route with an
 * endpoint or a relay, pointed at the endpoint while the direct path sends and at the relay
 * otherwise (retargeted in place), down while neither sends, and deleted when the peer goes
 * (docs/KERNEL-DATAPLANE.md, "Devices").
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
  private final BiConsumer<PeerDevice, LinkStats> settle;
  private final Map<String, PeerDevice> byPeer = new HashMap<>();

  /**
   * @param settle takes a device's counters into its totals (as a poll would), called when it
   *     leaves the relay for the direct path
   */
  GreDevices(
      LinkControl kernel,
      SourceAddresses sources,
      int port,
      Inet4Address tunnelIp,
      ReversePathFilter rpFilter,
      BiConsumer<PeerDevice, LinkStats> settle) {
    this.kernel = kernel;
    this.sources = sources;
    this.port = port;
    this.tunnelIp = tunnelIp;
    this.rpFilter = rpFilter;
    this.settle = settle;
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
      point(d, r, r.endpoint(), false);
    } else if (r.relay() != null) {
      point(d, r, r.relay(), true);
    } else if (d.up) {
      setUp(d, false);
    }
  }

  /**
   * Creates the device toward {@code target} (the peer's endpoint, or the relay while no direct
   * path sends), or re-points it in place (RTM_NEWLINK change: the device, its address and the
   * peer's /32 route stay), then brings it up.
   *
   * <p>Inbound relayed GRE reaches this device because the kernel's ip_tunnel_lookup
   * (net/ipv4/ip_tunnel.c) picks the tunnel by outer (local, remote) address and GRE key only:
   * never by UDP port, since FOU has already stripped the UDP header when ipgre_rcv runs. Relayed
   * packets come from the relay's address with the pair key, which is exactly this device's remote
   * and key while it points at the relay; every relayed peer has its own key, so their devices
   * toward one relay never clash. The lookup also skips devices that are not IFF_UP.
   */
  private void point(PeerDevice d, PeerRoute r, InetSocketAddress target, boolean viaRelay) {
    if (!d.exists() || !target.equals(endpointOf(d.spec))) {
      int remoteIp = SockAddrIn.ipv4(target.getAddress());
      sources.forget(remoteIp); // the route toward a new endpoint may have changed
      GreLinkSpec spec = spec(d.name, sources.toward(remoteIp), target, r.greKey(), port);
      if (!d.exists()) {
        d.relayed = viaRelay;
        create(d, spec, r);
      } else if (!spec.equals(d.spec)) {
        kernel.changeGreLink(d.index, spec);
        d.spec = spec;
        if (d.relayed && !viaRelay) {
          // Packets counted so far (or in flight during the change) came through the relay: they
          // must not confirm the direct path.
          kernel.link(d.name).ifPresent(l -> settle.accept(d, l.stats()));
        }
        log.info(
            "kernel_device_retargeted device={} local={} remote={}:{} via={}",
            d.name,
            spec.local().getHostAddress(),
            target.getAddress().getHostAddress(),
            target.getPort(),
            viaRelay ? "relay" : "direct");
      }
    }
    d.relayed = viaRelay;
    finishChecksums(d, viaRelay);
    if (!d.up) {
      setUp(d, true);
    }
  }

  /**
   * Locally generated TCP and UDP leave a GRE device with the inner checksum still to be finished
   * (CHECKSUM_PARTIAL): the NIC, or skb_checksum_help() before a device without checksum offload,
   * finishes it on the way out. A relay that reads the datagram from a socket before any such point
   * (the coordinator on this host, in a container or namespace behind a veth) forwards the
   * unfinished bytes, and the peer drops every segment (TcpInCsumErrors). So while a device points
   * at the relay it finishes checksums itself (tx offload off), and gets offload back on the direct
   * path, where the kernel or the NIC finishes them.
   */
  private void finishChecksums(PeerDevice d, boolean viaRelay) {
    if (!d.exists() || d.txChecksumOff == viaRelay) {
      return;
    }
    d.txChecksumOff = viaRelay;
    try {
      kernel.setTxChecksum(d.name, !viaRelay);
    } catch (NetlinkException e) {
      log.warn(
          "kernel_tx_checksum_failed device={} tx_checksum={} error={}",
          d.name,
          viaRelay ? "off" : "on",
          e.getMessage());
    }
  }

  /** The keyed FOU GRE link toward {@code target} (docs/KERNEL-DATAPLANE.md "Devices"). */
  static GreLinkSpec spec(
      String name, Inet4Address local, InetSocketAddress target, int greKey, int port) {
    return new GreLinkSpec(
        name,
        GreKind.GRE,
        local,
        (Inet4Address) target.getAddress(),
        Integer.toUnsignedLong(greKey),
        TTL,
        false,
        TUNNEL_ENCAP_FOU,
        port,
        target.getPort(),
        false);
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
    d.txChecksumOff = false;
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
        "kernel_device_created device={} local={} remote={}:{} via={} key={} peer_ip={}",
        d.name,
        spec.local().getHostAddress(),
        spec.remote().getHostAddress(),
        spec.encapDport(),
        d.relayed ? "relay" : "direct",
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
