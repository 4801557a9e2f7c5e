package dev.gretun.core.daemon;

import dev.gretun.core.GretunException;
import dev.gretun.core.coord.CoordClient;
import dev.gretun.core.coord.CoordWatch;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.daemon.localapi.LocalApiServer;
import dev.gretun.core.dataplane.Dataplane;
import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.dataplane.DiscoStunPacket;
import dev.gretun.core.dataplane.kernel.KernelDataplane;
import dev.gretun.core.dataplane.kernel.KernelSupport;
import dev.gretun.core.dataplane.userspace.PeerPath;
import dev.gretun.core.dataplane.userspace.UdpPort;
import dev.gretun.core.dataplane.userspace.UserspaceDataplane;
import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.core.keys.KeyStore;
import dev.gretun.core.keys.NodeKeys;
import dev.gretun.core.link.Rtnetlink;
import dev.gretun.core.metrics.MetricsHttpServer;
import dev.gretun.core.os.Capabilities;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.os.TunDevice;
import dev.gretun.core.peer.KeyedAction;
import dev.gretun.core.peer.PeerAction;
import dev.gretun.core.peer.PeerEvent;
import dev.gretun.core.peer.PeerInfo;
import dev.gretun.core.peer.PeerMachine;
import dev.gretun.core.peer.PeerState;
import dev.gretun.core.peer.PeerTable;
import dev.gretun.core.peer.PeerTimings;
import dev.gretun.core.stun.StunClient;
import dev.gretun.core.stun.StunResult;
import dev.gretun.core.util.HostPort;
import dev.gretun.core.util.Ticker;
import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.demux.PortDemux;
import dev.gretun.core.wire.disco.DiscoMessage;
import dev.gretun.core.wire.disco.Endpoints;
import dev.gretun.core.wire.gre.PairKey;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code gretun up}: registers with the coordinator, discovers endpoints with STUN on port P,
 * punches to every peer and carries the overlay on the userspace data plane.
 *
 * <p>Threads: one control thread owns the peer table, disco keys and STUN client (everything in
 * {@code on*} methods runs there); the data plane has its own two packet threads; the coordinator
 * watches and the signal sender block on HTTP in theirs and hand results to the control thread.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);
  private static final long TICK_MILLIS = 50;
  private static final long ENDPOINT_REFRESH_SECONDS = 25;
  private static final long PROBE_INTERVAL_NANOS = 500_000_000L;
  private static final long CONFIRM_INTERVAL_NANOS = 1_000_000_000L;
  private static final int MAX_CONTROL_BACKLOG = 1024;
  static final int TUN_MTU = 1464;

  private final DaemonConfig config;
  private final Ticker ticker = Ticker.system();
  private final ScheduledExecutorService control =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("control").daemon().factory());
  private final ExecutorService signalSender =
      Executors.newSingleThreadExecutor(Thread.ofPlatform().name("coord-send").daemon().factory());
  private final AtomicInteger controlBacklog = new AtomicInteger();
  private final DataplaneCounters counters = new DataplaneCounters();
  private final DaemonMetrics metrics = new DaemonMetrics(counters);
  private final CountDownLatch stopped = new CountDownLatch(1);

  private NodeKeys keys;
  private String selfDisco;
  private DiscoSealer sealer;
  private CoordClient coord;
  private CoordWire.RegisterResponse registration;
  private int registrationsSeen;
  private Inet4Address tunnelIp;
  private int tunnelIpInt;
  private Dataplane dataplane;
  private StunClient stun;
  private PeerTable<String> table;
  private LocalApiServer controlServer;
  private MetricsHttpServer metricsServer;
  private final List<CoordWatch> watches = new ArrayList<>();
  private final Map<String, CoordWire.Peer> coordPeers = new HashMap<>();
  private final Map<String, PeerPath> paths = new HashMap<>();
  private final Map<String, Long> lastProbe = new HashMap<>();
  private final Map<String, Long> lastConfirm = new HashMap<>();
  private final Map<String, String> names = new HashMap<>();
  private List<InetSocketAddress> stunServers = List.of();
  private InetSocketAddress stunMapped;
  private List<CoordWire.Endpoint> postedEndpoints = List.of();
  private int probeSeq;

  public Daemon(DaemonConfig config) {
    this.config = config;
  }

  /** Starts everything; returns once the node is registered and its data plane runs. */
  public void start() throws IOException, InterruptedException {
    if (!Capabilities.hasNetAdmin()) {
      throw new GretunException(
          "permission", "gretun up needs root or CAP_NET_ADMIN (try: sudo gretun up ...)");
    }
    keys = KeyStore.loadOrCreate(config.stateDir(), new SecureRandom());
    selfDisco = Base64.getEncoder().encodeToString(keys.discoPublic());
    sealer = new DiscoSealer(keys.discoPublic(), keys.discoPrivate());
    log.info(
        "daemon_start node={} disco={} port={} dataplane={}",
        keys.shortString(),
        selfDisco.substring(0, 8),
        config.port(),
        config.dataplane().name().toLowerCase(java.util.Locale.ROOT));

    coord = new CoordClient(clientConfig());
    registration = register();
    registrationsSeen = coord.registrations();
    tunnelIp = (Inet4Address) InetAddress.getByName(registration.tunnelIp());
    tunnelIpInt = SockAddrIn.ipv4(tunnelIp);
    stunServers = parseStunServers(registration.stun());
    log.info(
        "registered tunnel_ip={}/{} pool={} stun={}",
        registration.tunnelIp(),
        registration.prefixLength(),
        registration.pool(),
        registration.stun());

    dataplane = openDataplane();
    stun =
        new StunClient(
            this::sendStun, new SecureRandom(), StunClient.Timing.defaults(), ticker::nanos);
    table =
        new PeerTable<>(
            selfDisco,
            ticker,
            new SecureRandom(),
            PeerTimings.defaults()
                .withOpenerTtls(openerTtls(config.openerTtl()))
                .withPunchTimeout(config.punchTimeout()));
    dataplane.start();

    controlServer = LocalApiServer.start(config.controlSocket(), this::controlCommand);
    if (config.metricsAddr() != null) {
      metricsServer = MetricsHttpServer.start(config.metricsAddr(), metrics.registry());
      log.info("metrics_listen addr={}", HostPort.format(metricsServer.address()));
    }

    control.execute(this::refreshEndpoints);
    control.scheduleAtFixedRate(this::safeTick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    control.scheduleAtFixedRate(
        this::refreshEndpoints,
        ENDPOINT_REFRESH_SECONDS,
        ENDPOINT_REFRESH_SECONDS,
        TimeUnit.SECONDS);
    watches.add(
        CoordWatch.peers(
            coord, CoordWatch.defaultBackoff(), r -> control.execute(() -> onPeers(r))));
    watches.add(
        CoordWatch.signals(
            coord, CoordWatch.defaultBackoff(), e -> control.execute(() -> onSignal(e))));
    log.info(
        "daemon_up tunnel_ip={} port={} control={}",
        registration.tunnelIp(),
        dataplane.port(),
        config.controlSocket());
  }

  /** Blocks until {@link #close()} ran. */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  // ---- start-up helpers ----------------------------------------------------------------------

  private CoordClient.Config clientConfig() {
    return CoordClient.Config.of(
        config.coordinator(),
        nodeKeyPair(keys),
        keys.discoPublic(),
        config.hostname(),
        config.authKey());
  }

  private static KeyPair nodeKeyPair(NodeKeys keys) {
    return Ed25519Keys.keyPair(keys.nodePrivate(), keys.nodePublic());
  }

  private CoordWire.RegisterResponse register() throws InterruptedException {
    long backoff = 500;
    for (int attempt = 1; ; attempt++) {
      try {
        return coord.register();
      } catch (dev.gretun.core.coord.CoordException e) {
        if (e.status() >= 400 && e.status() < 500) {
          throw new GretunException(
              "register_refused",
              "the coordinator refused registration: " + e.getMessage() + registerHint(e));
        }
        log.warn("register_failed attempt={} error=\"{}\"", attempt, e.getMessage());
      } catch (IOException e) {
        log.warn(
            "register_failed attempt={} coordinator={} error=\"{}\"",
            attempt,
            config.coordinator(),
            e.toString());
      }
      if (attempt >= 8) {
        throw new GretunException(
            "coordinator_unreachable",
            "cannot reach the coordinator at " + config.coordinator() + " (8 attempts)");
      }
      Thread.sleep(backoff);
      backoff = Math.min(backoff * 2, 10_000);
    }
  }

  private String registerHint(dev.gretun.core.coord.CoordException e) {
    String code = e.code();
    if (code.contains("join") || code.contains("auth_key")) {
      return config.authKey() == null
          ? " (pass --auth-key KEY; create one with 'gretun-coord keys create')"
          : " (the --auth-key was refused: create a new one with 'gretun-coord keys create')";
    }
    return "";
  }

  private static List<InetSocketAddress> parseStunServers(List<String> list) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (String s : list == null ? List.<String>of() : list) {
      try {
        out.add(HostPort.parse(s));
      } catch (IllegalArgumentException e) {
        log.warn("stun_server_ignored server={} error=\"{}\"", s, e.getMessage());
      }
    }
    return out;
  }

  private Dataplane openDataplane() throws IOException {
    DataplaneMode mode = config.dataplane();
    if (mode == DataplaneMode.AUTO) {
      String why = KernelSupport.unavailableReason();
      mode = why == null ? DataplaneMode.KERNEL : DataplaneMode.USERSPACE;
      log.info(
          "dataplane_auto mode={} reason=\"{}\"",
          mode.name().toLowerCase(java.util.Locale.ROOT),
          why == null ? "the kernel has fou and ip_gre" : why);
    }
    if (mode == DataplaneMode.KERNEL) {
      try {
        KernelDataplane kernel =
            KernelDataplane.open(
                new KernelDataplane.Config(
                    config.port(), tunnelIp, registration.prefixLength(), config.stateDir()),
                this::acceptControlPacket,
                counters);
        log.info(
            "dataplane mode=kernel fou_port={} mtu={} control=raw+packet-socket",
            config.port(),
            KernelDataplane.MTU);
        return kernel;
      } catch (dev.gretun.core.os.SysException e) {
        throw new GretunException(
            "kernel_dataplane",
            "--dataplane kernel needs packet and raw sockets ("
                + e.getMessage()
                + "): run as root with CAP_NET_RAW, or use --dataplane userspace");
      } catch (RuntimeException e) {
        throw dev.gretun.core.link.KernelErrors.translate(e, "start the kernel data plane");
      }
    }
    UdpPort port = bindPort();
    try {
      TunDevice tun = TunDevice.openWithOffloads(config.tunName());
      configureTun(tun.name());
      log.info("dataplane mode=userspace tun={} mtu={}", tun.name(), TUN_MTU);
      return new UserspaceDataplane(tun, port, this::acceptControlPacket, counters);
    } catch (IOException | RuntimeException e) {
      port.close();
      throw e;
    }
  }

  private UdpPort bindPort() {
    try {
      return UdpPort.bind(config.port(), 250);
    } catch (dev.gretun.core.os.SysException e) {
      if (e.errno() == 98) {
        throw new GretunException(
            "address_in_use",
            "UDP port "
                + config.port()
                + " is in use (another gretun up, or a FOU port?): stop it or pass --port");
      }
      throw e;
    }
  }

  private void configureTun(String name) {
    try (Rtnetlink rtnl = Rtnetlink.open()) {
      int index =
          rtnl.link(name)
              .orElseThrow(() -> new GretunException("tun", "TUN device " + name + " vanished"))
              .index();
      rtnl.setMtu(index, TUN_MTU);
      rtnl.setAddrGenModeNone(index);
      rtnl.addAddress(index, tunnelIp, registration.prefixLength(), null);
      rtnl.setUp(index, true);
    }
  }

  private static List<Integer> openerTtls(int first) {
    LinkedHashSet<Integer> ttls = new LinkedHashSet<>();
    ttls.add(first);
    ttls.add(first + 1);
    ttls.add(first + 2);
    return List.copyOf(ttls);
  }

  // ---- packet intake (data-plane thread) ------------------------------------------------------

  private boolean acceptControlPacket(DiscoStunPacket p) {
    if (controlBacklog.incrementAndGet() > MAX_CONTROL_BACKLOG) {
      controlBacklog.decrementAndGet();
      return false;
    }
    try {
      control.execute(
          () -> {
            controlBacklog.decrementAndGet();
            onControlPacket(p);
          });
      return true;
    } catch (java.util.concurrent.RejectedExecutionException e) {
      controlBacklog.decrementAndGet();
      return false;
    }
  }

  // ---- control thread -------------------------------------------------------------------------

  private void onControlPacket(DiscoStunPacket p) {
    byte[] b = p.data();
    PortDemux.Kind kind = PortDemux.classify(b, 0, b.length);
    if (kind == PortDemux.Kind.STUN) {
      if (!stun.offer(b, 0, b.length, p.from())) {
        metrics.discoDropped.increment();
      }
      return;
    }
    DiscoSealer.Opened opened = openOrDrop(b, "disco_dropped", p.from());
    if (opened == null) {
      return;
    }
    PeerEvent event =
        switch (opened.message()) {
          case DiscoMessage.Ping ping -> new PeerEvent.PingReceived(ping.tx(), p.from());
          case DiscoMessage.Pong pong ->
              new PeerEvent.PongReceived(pong.tx(), p.from(), pong.src());
          case DiscoMessage.CallMeMaybe cmm -> new PeerEvent.CallMeMaybeReceived(cmm.endpoints());
        };
    execute(table.on(opened.sender(), event));
  }

  private void onSignal(CoordWire.Envelope envelope) {
    byte[] b;
    try {
      b = Base64.getDecoder().decode(envelope.sealed());
    } catch (IllegalArgumentException e) {
      metrics.discoDropped.increment();
      return;
    }
    DiscoSealer.Opened opened = openOrDrop(b, "signal_dropped", envelope.fromNode());
    if (opened == null) {
      return;
    }
    if (opened.message() instanceof DiscoMessage.CallMeMaybe cmm) {
      execute(table.on(opened.sender(), new PeerEvent.CallMeMaybeReceived(cmm.endpoints())));
    }
    // Relayed pings/pongs prove nothing about a UDP path (upstream's flaw); ignore them.
  }

  /** Opens an envelope from a known peer, or counts and logs it as dropped and returns null. */
  private DiscoSealer.Opened openOrDrop(byte[] b, String event, Object from) {
    try {
      return sealer.open(b, 0, b.length, paths::containsKey);
    } catch (WireFormatException e) {
      metrics.discoDropped.increment();
      log.debug("{} from={} reason={}", event, from, e.getMessage());
      return null;
    }
  }

  private void onPeers(CoordWire.PeersResponse r) {
    if (r.full()) {
      coordPeers.clear();
    }
    for (String removed : r.removed() == null ? List.<String>of() : r.removed()) {
      coordPeers.remove(removed);
    }
    for (CoordWire.Peer p : r.peers()) {
      coordPeers.put(p.nodeKey(), p);
    }
    Map<String, PeerInfo> infos = new HashMap<>();
    for (CoordWire.Peer p : coordPeers.values()) {
      if (p.discoKey().equals(selfDisco)) {
        continue;
      }
      PeerInfo info = toPeerInfo(p);
      if (info == null) {
        continue;
      }
      infos.put(p.discoKey(), info);
      names.put(p.discoKey(), p.nodeName());
      ensurePath(p.discoKey(), info);
    }
    for (String gone : new ArrayList<>(paths.keySet())) {
      if (!infos.containsKey(gone)) {
        dataplane.removePeer(paths.remove(gone));
        sealer.forget(gone);
        log.info("peer_removed peer={}", names.getOrDefault(gone, gone));
      }
    }
    execute(table.reconcile(infos));
  }

  private PeerInfo toPeerInfo(CoordWire.Peer p) {
    InetAddress ip;
    try {
      ip = p.tunnelIp() == null ? null : InetAddress.getByName(p.tunnelIp());
    } catch (IOException e) {
      return null;
    }
    if (!(ip instanceof Inet4Address)) {
      return null;
    }
    List<InetSocketAddress> eps = new ArrayList<>();
    for (CoordWire.Endpoint e :
        p.endpoints() == null ? List.<CoordWire.Endpoint>of() : p.endpoints()) {
      try {
        InetSocketAddress a = Endpoints.parse(e.addr());
        if (a.getAddress() instanceof Inet4Address && !eps.contains(a)) {
          eps.add(a);
        }
      } catch (IllegalArgumentException bad) {
        log.debug("endpoint_ignored peer={} addr={}", p.nodeName(), e.addr());
      }
    }
    return PeerInfo.of(p.nodeName(), ip, eps);
  }

  private void ensurePath(String disco, PeerInfo info) {
    PeerPath existing = paths.get(disco);
    int ip = SockAddrIn.ipv4(info.tunnelIp());
    if (existing != null && existing.tunnelIp() == ip) {
      return;
    }
    int key = PairKey.derive(keys.discoPublic(), Base64.getDecoder().decode(disco));
    PeerPath path = new PeerPath(key, ip);
    if (existing != null) {
      dataplane.removePeer(existing);
    }
    paths.put(disco, path);
    dataplane.addPeer(path);
  }

  private void safeTick() {
    try {
      tick();
    } catch (RuntimeException e) {
      log.error("control_tick_failed error=\"{}\"", e.toString(), e);
    }
  }

  private void tick() {
    long now = ticker.nanos();
    stun.poll();
    dataplane.poll();
    for (Map.Entry<String, PeerPath> e : paths.entrySet()) {
      String peer = e.getKey();
      PeerPath path = e.getValue();
      if (path.takeInboundSeen()
          && now - lastConfirm.getOrDefault(peer, 0L) >= CONFIRM_INTERVAL_NANOS) {
        lastConfirm.put(peer, now);
        execute(table.on(peer, new PeerEvent.DataPathConfirmed(null)));
      }
      table.machine(peer).ifPresent(m -> maybeProbe(peer, m, path, now));
      execute(table.setTraffic(peer, path.rxBytes(), path.txBytes()));
    }
    execute(table.tick());
    metrics.setPeerCounts(table.countByState());
  }

  /** While a punched path awaits confirmation, send ICMP echo through it twice a second. */
  private void maybeProbe(String peer, PeerMachine m, PeerPath path, long now) {
    if (m.state() == PeerState.DIRECT || !path.sending() || !path.hasEndpoint()) {
      return;
    }
    if (now - lastProbe.getOrDefault(peer, Long.MIN_VALUE / 2) < PROBE_INTERVAL_NANOS) {
      return;
    }
    lastProbe.put(peer, now);
    dataplane.probe(
        path, DataPathProbe.echoRequest(tunnelIpInt, path.tunnelIp(), ++probeSeq & 0xffff));
  }

  private void execute(List<KeyedAction<String>> actions) {
    for (KeyedAction<String> ka : actions) {
      try {
        execute(ka.peer(), ka.action());
      } catch (RuntimeException e) {
        log.warn(
            "action_failed peer={} action={} error=\"{}\"",
            name(ka.peer()),
            ka.action(),
            e.toString());
      }
    }
  }

  private void execute(String peer, PeerAction action) {
    switch (action) {
      case PeerAction.SendPing ping -> {
        byte[] env = sealer.seal(peer, new DiscoMessage.Ping(ping.tx(), keys.nodePublicBase64()));
        dataplane.sendControl(env, 0, env.length, ping.to(), ping.ttl() == null ? 0 : ping.ttl());
        metrics.pingsSent.increment();
      }
      case PeerAction.SendPong pong -> {
        byte[] env = sealer.seal(peer, new DiscoMessage.Pong(pong.tx(), pong.src()));
        dataplane.sendControl(env, 0, env.length, pong.to(), 0);
      }
      case PeerAction.SendCallMeMaybe ignored -> sendCallMeMaybe(peer);
      case PeerAction.ConfigureDirectPath c -> {
        PeerPath path = paths.get(peer);
        if (path != null) {
          path.setEndpoint(SockAddrIn.ipv4(c.endpoint().getAddress()), c.endpoint().getPort());
          dataplane.configurePath(path);
          lastProbe.remove(peer);
          log.info("peer_path peer={} endpoint={}", name(peer), Endpoints.format(c.endpoint()));
        }
      }
      case PeerAction.SuspendPath ignored -> {
        setSending(peer, false);
        log.info("peer_path_suspended peer={}", name(peer));
      }
      case PeerAction.ResumePath ignored -> {
        setSending(peer, true);
        log.info("peer_path_resumed peer={}", name(peer));
      }
      case PeerAction.UseRelay relay -> {
        setSending(peer, false);
        metrics.punchFailures.increment();
        log.warn(
            "peer_relay peer={} reason=\"{}\" note=\"no direct path; relayed data is not"
                + " implemented yet, so traffic to this peer is dropped\"",
            name(peer),
            relay.reason());
      }
      case PeerAction.RemovePeer ignored -> {
        PeerPath path = paths.remove(peer);
        if (path != null) {
          dataplane.removePeer(path);
        }
      }
      case PeerAction.Transition t ->
          log.info(
              "peer_state peer={} from={} to={} reason=\"{}\"",
              name(peer),
              t.from().label(),
              t.to().label(),
              t.reason());
      case PeerAction.PunchSucceeded s -> {
        metrics.pongsReceived.increment();
        metrics.punchDuration.record(s.duration());
        log.info(
            "punch_succeeded peer={} endpoint={} duration_ms={}",
            name(peer),
            Endpoints.format(s.endpoint()),
            s.duration().toMillis());
      }
      case PeerAction.PongRejected r -> {
        metrics.pongsRejected.increment();
        log.debug("pong_rejected peer={} from={} reason=\"{}\"", name(peer), r.from(), r.reason());
      }
    }
  }

  private void setSending(String peer, boolean on) {
    PeerPath path = paths.get(peer);
    if (path != null) {
      dataplane.setSending(path, on);
    }
  }

  private String name(String disco) {
    return names.getOrDefault(disco, disco.substring(0, Math.min(8, disco.length())));
  }

  private void sendCallMeMaybe(String peer) {
    List<InetSocketAddress> eps = new ArrayList<>();
    for (CoordWire.Endpoint e : postedEndpoints) {
      try {
        eps.add(Endpoints.parse(e.addr()));
      } catch (IllegalArgumentException ignored) {
        // our own list; parse cannot fail for what we formatted
      }
    }
    byte[] sealed = sealer.seal(peer, new DiscoMessage.CallMeMaybe(eps));
    byte[] to = Base64.getDecoder().decode(peer);
    signalSender.execute(
        () -> {
          try {
            coord.sendSignal(to, sealed);
          } catch (IOException | RuntimeException e) {
            log.warn(
                "call_me_maybe_failed peer={} error=\"{}\"", peer.substring(0, 8), e.toString());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
  }

  private void sendStun(byte[] payload, InetSocketAddress to) {
    dataplane.sendControl(payload, 0, payload.length, to, 0);
  }

  /** STUN on port P to every server, then post local + mapped endpoints if they changed. */
  private void refreshEndpoints() {
    if (stunServers.isEmpty()) {
      postEndpoints();
      return;
    }
    long deadline = ticker.nanos() + TimeUnit.SECONDS.toNanos(3);
    List<CompletableFuture<StunResult>> results = new ArrayList<>();
    for (InetSocketAddress server : stunServers) {
      results.add(stun.start(server, deadline));
    }
    CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
        .thenRun(
            () -> {
              InetSocketAddress mapped = null;
              for (CompletableFuture<StunResult> f : results) {
                StunResult r = f.join();
                if (r.ok() && r.mappedAddress().isPresent()) {
                  mapped = r.mappedAddress().get();
                  break;
                }
              }
              if (mapped == null) {
                log.warn("stun_failed servers={}", stunServers);
              } else if (!mapped.equals(stunMapped)) {
                log.info("stun_mapped endpoint={}", Endpoints.format(mapped));
              }
              stunMapped = mapped;
              postEndpoints();
            });
  }

  private void postEndpoints() {
    List<CoordWire.Endpoint> eps = new ArrayList<>();
    try {
      Set<String> excluded = Set.of(config.tunName());
      for (InetAddress a : LocalAddresses.collect(excluded)) {
        eps.add(
            new CoordWire.Endpoint(
                Endpoints.format(new InetSocketAddress(a, dataplane.port())), "local"));
      }
    } catch (IOException e) {
      log.warn("local_addresses_failed error=\"{}\"", e.toString());
    }
    if (stunMapped != null) {
      CoordWire.Endpoint mapped = new CoordWire.Endpoint(Endpoints.format(stunMapped), "stun");
      eps.removeIf(e -> e.addr().equals(mapped.addr()));
      eps.add(mapped);
    }
    int regs = coord.registrations();
    if (eps.equals(postedEndpoints) && regs == registrationsSeen) {
      return;
    }
    postedEndpoints = List.copyOf(eps);
    registrationsSeen = regs;
    signalSender.execute(
        () -> {
          try {
            coord.postEndpoints(eps);
            log.info(
                "endpoints_posted endpoints={}",
                eps.stream().map(CoordWire.Endpoint::addr).toList());
          } catch (IOException | RuntimeException e) {
            log.warn("endpoints_post_failed error=\"{}\"", e.toString());
            control.execute(() -> postedEndpoints = List.of());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
  }

  private Object controlCommand(String cmd) {
    if (!cmd.equals("peers")) {
      throw new IllegalArgumentException("unknown command '" + cmd + "' (known: peers)");
    }
    try {
      return control.submit(() -> table.snapshot()).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalArgumentException("daemon busy: " + e);
    }
  }

  /** Stops every loop and removes what the daemon created (TUN device, control socket). */
  @Override
  public void close() {
    for (CoordWatch w : watches) {
      try {
        w.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    control.shutdownNow();
    signalSender.shutdownNow();
    if (controlServer != null) {
      controlServer.close();
    }
    if (metricsServer != null) {
      metricsServer.close();
    }
    if (dataplane != null) {
      dataplane.close();
    }
    if (coord != null) {
      coord.close();
    }
    log.info("daemon_stopped");
    stopped.countDown();
  }
}
