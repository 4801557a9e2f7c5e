package dev.gretun.core.dataplane.kernel;

import dev.gretun.core.GretunException;
import dev.gretun.core.dataplane.Dataplane;
import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.dataplane.DiscoStunPacket;
import dev.gretun.core.dataplane.userspace.PeerPath;
import dev.gretun.core.link.KernelErrors;
import dev.gretun.core.link.KernelNet;
import dev.gretun.core.link.NetlinkKernelNet;
import dev.gretun.core.os.Errno;
import dev.gretun.core.os.NetlinkException;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.util.Ticker;
import dev.gretun.core.wire.netlink.FouPort;
import dev.gretun.core.wire.netlink.GreKind;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import dev.gretun.core.wire.netlink.Link;
import dev.gretun.core.wire.netlink.LinkStats;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel data plane (DESIGN.md §2–3): the kernel carries every data packet; the daemon only
 * sets it up.
 *
 * <ul>
 *   <li>The kernel's FOU socket owns UDP port P (GRE-in-UDP, ipproto 47) for the daemon's whole
 *       life. Disco and STUN still use P: sent through a raw socket, received through a filtered
 *       packet socket ({@link DiscoStunIo}).
 *   <li>Per direct peer one keyed GRE device ({@link PeerDevices#name}): local = the kernel's
 *       source address toward the peer, remote = the peer's public address, FOU encap sport P and
 *       dport = the peer's public port, noencap-csum, TTL 64, MTU 1464, no IPv6 address generation,
 *       and a point-to-point address (own tunnel IP, peer's as IFA_ADDRESS).
 *   <li>Path loss: the link goes down and comes back up (device and FOU port stay); an endpoint
 *       change retargets the link in place.
 *   <li>An {@code unreachable} route for the overlay prefix at a high metric drops packets for a
 *       peer whose device is down instead of leaking them into the underlay (§3.6).
 *   <li>Inbound data is seen in the devices' rx counters ({@link #poll}).
 * </ul>
 *
 * <p>All methods but the receive thread's run on the daemon's control thread.
 */
public final class KernelDataplane implements Dataplane {
  private static final Logger log = LoggerFactory.getLogger(KernelDataplane.class);
  public static final int MTU = 1464;
  public static final int TTL = 64;

  /** Metric of the overlay prefix's unreachable route: below every route a user would add. */
  public static final int GUARD_METRIC = 4000;

  private static final int TUNNEL_ENCAP_FOU = 1;
  private static final long POLL_INTERVAL_NANOS = 200_000_000L;

  /**
   * Sends a data-path probe (an inner IPv4 packet) toward {@code dstIp} through the routing table.
   */
  public interface ProbeSender extends AutoCloseable {
    void send(byte[] inner, int dstIp);

    @Override
    void close();
  }

  /**
   * What the plane needs to know.
   *
   * @param tunnelIp our overlay address
   * @param prefixLength the overlay prefix length (for the guard route)
   * @param claimDir where to note that we hold FOU port P (so a restart after SIGKILL can take it
   *     back); null = never take over a FOU port already open
   */
  public record Config(int port, Inet4Address tunnelIp, int prefixLength, Path claimDir) {}

  private final Config config;
  private final KernelNet kernel;
  private final DiscoStunIo io;
  private final ProbeSender probes;
  private final Predicate<DiscoStunPacket> sink;
  private final DataplaneCounters counters;
  private final Ticker nanos;
  private final Thread rxThread;
  private final Map<PeerPath, Device> devices = new IdentityHashMap<>();
  private final SourceAddresses sources;
  private boolean routeAdded;
  private boolean fouAdded;
  private long lastPoll = Long.MIN_VALUE / 2;
  private boolean closed;

  /** One peer's GRE device as we configured it. */
  private static final class Device {
    final String name;
    int index = -1;
    GreLinkSpec spec;
    boolean up;
    LinkStats seen = LinkStats.ZERO;

    Device(String name) {
      this.name = name;
    }
  }

  private KernelDataplane(
      Config config,
      KernelNet kernel,
      SourceAddresses sources,
      DiscoStunIo io,
      ProbeSender probes,
      Predicate<DiscoStunPacket> sink,
      DataplaneCounters counters,
      Ticker nanos) {
    this.config = config;
    this.kernel = kernel;
    this.sources = sources;
    this.io = io;
    this.probes = probes;
    this.sink = sink;
    this.counters = counters;
    this.nanos = nanos;
    this.rxThread = Thread.ofPlatform().name("dp-tap").daemon().unstarted(this::rxLoop);
  }

  /**
   * Opens the real plane in this thread's network namespace: opens the raw and packet sockets
   * (failing here when the platform forbids them), removes our leftovers, opens FOU port P and
   * installs the guard route.
   */
  public static KernelDataplane open(
      Config config, Predicate<DiscoStunPacket> sink, DataplaneCounters counters) {
    NetlinkKernelNet kernel = NetlinkKernelNet.open();
    SourceAddresses sources = new SourceAddresses(kernel);
    DiscoStunIo io = null;
    RawIpSender raw = null;
    try {
      RawUdpSender sender =
          RawUdpSender.open(config.port(), dst -> SockAddrIn.ipv4(sources.toward(dst)));
      try {
        io = new DiscoStunIo.RawTap(sender, PacketTap.open(config.port(), 250));
      } catch (RuntimeException e) {
        sender.close();
        throw e;
      }
      raw = RawIpSender.open();
      RawIpSender probeSocket = raw;
      ProbeSender probes =
          new ProbeSender() {
            @Override
            public void send(byte[] inner, int dstIp) {
              probeSocket.send(inner, dstIp);
            }

            @Override
            public void close() {
              probeSocket.close();
            }
          };
      return create(config, kernel, sources, io, probes, sink, counters, System::nanoTime);
    } catch (RuntimeException e) {
      if (io != null) {
        io.close();
      }
      if (raw != null) {
        raw.close();
      }
      kernel.close();
      throw e;
    }
  }

  /**
   * Sets the plane up over the given kernel and I/O (tests pass fakes); on failure everything it
   * did is undone and {@code kernel}, {@code io} and {@code probes} are closed.
   */
  static KernelDataplane create(
      Config config,
      KernelNet kernel,
      SourceAddresses sources,
      DiscoStunIo io,
      ProbeSender probes,
      Predicate<DiscoStunPacket> sink,
      DataplaneCounters counters,
      Ticker nanos) {
    KernelDataplane dp =
        new KernelDataplane(config, kernel, sources, io, probes, sink, counters, nanos);
    try {
      dp.removeLeftovers();
      dp.openFouPort();
      dp.addGuardRoute();
      return dp;
    } catch (RuntimeException e) {
      dp.close();
      throw e;
    }
  }

  // ---- start-up ---------------------------------------------------------------------------------

  private void removeLeftovers() {
    for (Link l : kernel.links()) {
      if (PeerDevices.isOurs(l, config.port())) {
        kernel.deleteLink(l.index());
        log.info("kernel_leftover_removed device={} alias=\"{}\"", l.name(), l.alias());
      }
    }
  }

  private Path claimFile() {
    return config.claimDir() == null
        ? null
        : config.claimDir().resolve("kernel-fou-" + config.port() + ".claim");
  }

  private void openFouPort() {
    int port = config.port();
    try {
      kernel.addFouPort(port);
    } catch (NetlinkException e) {
      if (!(e.is(Errno.EEXIST) || e.is(Errno.EADDRINUSE) || e.errno() == 114 /* EALREADY */)) {
        throw KernelErrors.translate(e, "open FOU port " + port);
      }
      boolean isFou =
          kernel.fouPorts().stream().anyMatch(f -> f.port() == port && f.ipproto() == 47);
      Path claim = claimFile();
      if (isFou && claim != null && Files.exists(claim)) {
        log.info("kernel_fou_port_reclaimed port={} claim={}", port, claim);
      } else if (isFou) {
        throw new GretunException(
            "address_in_use",
            "UDP port "
                + port
                + " is already a kernel FOU port this daemon did not open (gretun create --encap"
                + " fou? ip fou add?): remove it with 'ip fou del port "
                + port
                + "' or pass another --port");
      } else {
        throw new GretunException(
            "address_in_use",
            "UDP port " + port + " is in use by another socket: stop it or pass another --port");
      }
    }
    fouAdded = true;
    writeClaim();
    log.info("kernel_fou_port port={} ipproto=47", port);
  }

  private void writeClaim() {
    Path claim = claimFile();
    if (claim == null) {
      return;
    }
    try {
      Files.createDirectories(claim.getParent());
      Files.writeString(
          claim, "fou_port=" + config.port() + " pid=" + ProcessHandle.current().pid() + "\n");
    } catch (IOException e) {
      log.warn("kernel_fou_claim_failed file={} error=\"{}\"", claim, e.toString());
    }
  }

  private Inet4Address overlayNetwork() {
    int ip = SockAddrIn.ipv4(config.tunnelIp());
    int mask = config.prefixLength() == 0 ? 0 : -1 << (32 - config.prefixLength());
    return (Inet4Address) SockAddrIn.toInet(ip & mask);
  }

  private void addGuardRoute() {
    try {
      kernel.unreachableRoute(true, overlayNetwork(), config.prefixLength(), GUARD_METRIC);
    } catch (NetlinkException e) {
      if (!e.is(Errno.EEXIST)) {
        throw KernelErrors.translate(e, "add the overlay's unreachable route");
      }
    }
    routeAdded = true;
  }

  // ---- Dataplane
  // ----------------------------------------------------------------------------------

  @Override
  public void start() {
    rxThread.start();
  }

  private void rxLoop() {
    try {
      io.run(sink, counters);
    } catch (RuntimeException e) {
      if (!closed) {
        log.error("dataplane_tap_failed error=\"{}\"", e.toString());
      }
    }
  }

  @Override
  public int port() {
    return config.port();
  }

  @Override
  public boolean sendControl(byte[] data, int off, int len, InetSocketAddress to, int ttl) {
    boolean sent = io.send(data, off, len, to, ttl);
    if (!sent) {
      counters.dropSendFailed.increment();
    }
    return sent;
  }

  @Override
  public void addPeer(PeerPath path) {
    devices.put(path, new Device(PeerDevices.name(path.greKey())));
  }

  @Override
  public void removePeer(PeerPath path) {
    Device d = devices.remove(path);
    if (d != null && d.index >= 0) {
      deleteDevice(d);
    }
  }

  @Override
  public void configurePath(PeerPath path) {
    Device d = devices.computeIfAbsent(path, p -> new Device(PeerDevices.name(p.greKey())));
    Inet4Address remote = (Inet4Address) SockAddrIn.toInet(path.endpointIp());
    sources.forget(path.endpointIp()); // the route toward a new endpoint may have changed
    Inet4Address local = sources.toward(path.endpointIp());
    GreLinkSpec spec =
        new GreLinkSpec(
            d.name,
            GreKind.GRE,
            local,
            remote,
            Integer.toUnsignedLong(path.greKey()),
            TTL,
            false,
            TUNNEL_ENCAP_FOU,
            config.port(),
            path.endpointPort(),
            false);
    if (d.index < 0) {
      createDevice(d, spec, path);
    } else if (!spec.equals(d.spec)) {
      kernel.changeGreLink(d.index, spec);
      d.spec = spec;
      log.info(
          "kernel_device_retargeted device={} local={} remote={}:{}",
          d.name,
          local.getHostAddress(),
          remote.getHostAddress(),
          path.endpointPort());
    }
    if (!d.up) {
      kernel.setUp(d.index, true);
      d.up = true;
    }
    path.setSending(true);
  }

  private void createDevice(Device d, GreLinkSpec spec, PeerPath path) {
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
      if (!PeerDevices.isOurs(old, config.port())) {
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
      kernel.setAlias(d.index, PeerDevices.alias(config.port()));
      kernel.setAddrGenModeNone(d.index);
      kernel.setMtu(d.index, MTU);
      kernel.addPeerAddress(
          d.index, config.tunnelIp(), (Inet4Address) SockAddrIn.toInet(path.tunnelIp()));
    } catch (RuntimeException e) {
      deleteDevice(d);
      throw e;
    }
    log.info(
        "kernel_device_created device={} local={} remote={}:{} key={} peer_ip={}",
        d.name,
        spec.local().getHostAddress(),
        spec.remote().getHostAddress(),
        spec.encapDport(),
        Integer.toUnsignedString(path.greKey()),
        SockAddrIn.toInet(path.tunnelIp()).getHostAddress());
  }

  private void deleteDevice(Device d) {
    try {
      kernel.deleteLink(d.index);
      log.info("kernel_device_deleted device={}", d.name);
    } catch (NetlinkException e) {
      if (!e.is(Errno.ENODEV)) {
        log.warn("kernel_device_delete_failed device={} error=\"{}\"", d.name, e.getMessage());
      }
    }
    d.index = -1;
    d.up = false;
  }

  @Override
  public void setSending(PeerPath path, boolean sending) {
    path.setSending(sending);
    Device d = devices.get(path);
    if (d == null || d.index < 0 || d.up == sending) {
      return;
    }
    try {
      kernel.setUp(d.index, sending);
      d.up = sending;
    } catch (NetlinkException e) {
      if (!e.is(Errno.ENODEV)) {
        throw e;
      }
      // Someone deleted the device under us: forget it; the next configurePath re-creates it.
      log.warn("kernel_device_vanished device={}", d.name);
      d.index = -1;
      d.up = false;
    }
  }

  @Override
  public void probe(PeerPath path, byte[] inner) {
    Device d = devices.get(path);
    if (d != null && d.up) {
      probes.send(inner, path.tunnelIp());
    }
  }

  /** Reads the devices' counters (at most every 200 ms): new rx packets = inbound seen. */
  @Override
  public void poll() {
    long now = nanos.nanos();
    if (now - lastPoll < POLL_INTERVAL_NANOS || devices.isEmpty()) {
      return;
    }
    lastPoll = now;
    Map<String, Link> byName = new HashMap<>();
    for (Link l : kernel.links()) {
      byName.put(l.name(), l);
    }
    for (Map.Entry<PeerPath, Device> e : devices.entrySet()) {
      Device d = e.getValue();
      Link l = d.index < 0 ? null : byName.get(d.name);
      if (l == null) {
        continue;
      }
      LinkStats s = l.stats();
      LinkStats old = d.seen;
      if (s.rxPackets() < old.rxPackets() || s.txPackets() < old.txPackets()) {
        old = LinkStats.ZERO; // the device was re-created under us
      }
      long rxp = s.rxPackets() - old.rxPackets();
      long txp = s.txPackets() - old.txPackets();
      if (rxp > 0 || txp > 0) {
        e.getKey().addTraffic(rxp, s.rxBytes() - old.rxBytes(), txp, s.txBytes() - old.txBytes());
        counters.rxPackets.add(rxp);
        counters.rxBytes.add(s.rxBytes() - old.rxBytes());
        counters.txPackets.add(txp);
        counters.txBytes.add(s.txBytes() - old.txBytes());
      }
      if (rxp > 0) {
        e.getKey().markInboundSeen();
      }
      d.seen = s;
    }
  }

  /** Device names of the peers that have one (for tests and status). */
  List<String> deviceNames() {
    return devices.values().stream().filter(d -> d.index >= 0).map(d -> d.name).sorted().toList();
  }

  /** Stops the receive thread, removes every device, the guard route and FOU port P. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    io.stop();
    if (rxThread.isAlive()) {
      try {
        rxThread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    io.close();
    probes.close();
    for (Device d : devices.values()) {
      if (d.index >= 0) {
        deleteDevice(d);
      }
    }
    devices.clear();
    if (routeAdded) {
      try {
        kernel.unreachableRoute(false, overlayNetwork(), config.prefixLength(), GUARD_METRIC);
      } catch (NetlinkException e) {
        log.warn("kernel_route_delete_failed error=\"{}\"", e.getMessage());
      }
    }
    if (fouAdded) {
      try {
        kernel.deleteFouPort(config.port());
        log.info("kernel_fou_port_closed port={}", config.port());
      } catch (NetlinkException e) {
        log.warn(
            "kernel_fou_port_delete_failed port={} error=\"{}\"", config.port(), e.getMessage());
      }
      Path claim = claimFile();
      if (claim != null) {
        try {
          Files.deleteIfExists(claim);
        } catch (IOException e) {
          log.warn("kernel_fou_claim_delete_failed file={} error=\"{}\"", claim, e.toString());
        }
      }
    }
    kernel.close();
  }

  /** For diagnostics: FOU ports the kernel has open. */
  List<FouPort> fouPorts() {
    return kernel.fouPorts();
  }
}
