package dev.gretun.core.daemon;

import dev.gretun.core.GretunException;
import dev.gretun.core.coord.CoordClient;
import dev.gretun.core.coord.CoordTrust;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.daemon.localapi.LocalApiServer;
import dev.gretun.core.dataplane.Dataplane;
import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.core.keys.KeyStore;
import dev.gretun.core.keys.NodeKeys;
import dev.gretun.core.metrics.MetricsHttpServer;
import dev.gretun.core.os.Capabilities;
import dev.gretun.core.peer.PeerTimings;
import dev.gretun.core.util.HostPort;
import dev.gretun.core.util.Ticker;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code gretun up}: registers with the coordinator, opens the data plane, and runs {@link
 * DaemonCore} on the {@link EventLoop} until closed.
 *
 * <p>Threads: the event loop owns all mutable state; the data plane has its own packet threads; the
 * coordinator watches and the sender ({@code coord-send}) block on HTTP in theirs and hand results
 * to the event loop.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  private static final long ENDPOINT_REFRESH_SECONDS = 25;
  // Past this, a start-up phase logs startup_stalled with a thread dump (docs/DAEMON.md
  // "Start-up").
  private static final Duration STARTUP_WATCHDOG = Duration.ofSeconds(30);

  private final DaemonConfig config;
  private final EventLoop loop = new EventLoop();
  private final ExecutorService coordSender =
      Executors.newSingleThreadExecutor(Thread.ofPlatform().name("coord-send").daemon().factory());
  private final DataplaneCounters counters = new DataplaneCounters();
  private final DaemonMetrics metrics = new DaemonMetrics(counters);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile GretunException failure;

  private Coordinator coord;
  private Dataplane dataplane;
  private DaemonCore core;
  private LocalApiServer localApi;
  private MetricsHttpServer metricsServer;

  public Daemon(DaemonConfig config) {
    this.config = config;
  }

  /**
   * Opens what the data plane needs no registration for on another thread, so it overlaps the
   * coordinator client's set-up and the registration's round trips.
   */
  private CompletableFuture<DataplaneFactory.Early> openDataplaneEarly() {
    CompletableFuture<DataplaneFactory.Early> f = new CompletableFuture<>();
    Thread.ofPlatform()
        .name("dataplane-open")
        .daemon()
        .start(
            () -> {
              try {
                f.complete(DataplaneFactory.openEarly(config));
              } catch (Throwable t) {
                f.completeExceptionally(t);
              }
            });
    return f;
  }

  private static DataplaneFactory.Early awaitEarly(CompletableFuture<DataplaneFactory.Early> f)
      throws IOException, InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      switch (e.getCause()) {
        case IOException io -> throw io;
        case RuntimeException r -> throw r;
        case Error err -> throw err;
        default -> throw new IOException(e.getCause());
      }
    }
  }

  /** Starts everything; returns once the node is registered and its data plane runs. */
  public void start() throws IOException, InterruptedException {
    if (!Capabilities.hasNetAdmin()) {
      throw new GretunException(
          "permission", "gretun up needs root or CAP_NET_ADMIN (try: sudo gretun up ...)");
    }
    try (StartupWatch watch = new StartupWatch(STARTUP_WATCHDOG, config.stateDir())) {
      start(watch);
      watch.done();
    }
  }

  private void start(StartupWatch watch) throws IOException, InterruptedException {
    Thread.ofPlatform().daemon().name("coord-json-prefetch").start(CoordClient::prefetchJson);
    CompletableFuture<DataplaneFactory.Early> early = null;
    NodeKeys keys;
    CoordWire.RegisterResponse reg;
    TunnelPool pool;
    CoordInbox inbox = new CoordInbox();
    try {
      watch.phase("keys");
      keys = KeyStore.loadOrCreate(config.stateDir(), new SecureRandom());
      log.info(
          "daemon_start node={} disco={} port={} dataplane={}",
          keys.shortString(),
          Base64.getEncoder().encodeToString(keys.discoPublic()).substring(0, 8),
          config.port(),
          config.dataplane().name().toLowerCase(Locale.ROOT));
      // After the keys: both are CPU-bound on a cold JVM, and the keys come first on the way to
      // the registration (measured, docs/BENCH.md "Connect time").
      early = openDataplaneEarly();
      watch.phase("coord_client");
      coord = new HttpCoordinator(new CoordClient(clientConfig(keys)));
      watch.phase("register");
      reg = Registration.register(coord, config.coordinators(), config.authKey() != null);
      pool = TunnelPool.fromRegistration(reg);
      log.info(
          "registered tunnel_ip={}/{} pool={} stun={}",
          reg.tunnelIp(),
          reg.prefixLength(),
          reg.pool(),
          reg.stun());
      // The first peer list and any call-me-maybe travel while the data plane opens; the inbox
      // holds them for the core.
      watch.phase("watches");
      coord.watchPeers(r -> loop.execute(() -> inbox.peers(r)));
      coord.watchSignals(e -> loop.execute(() -> inbox.signal(e)));
      watch.phase("dataplane_open");
      dataplane =
          DataplaneFactory.open(
              config, awaitEarly(early), pool.selfAddress(), reg.prefixLength(), counters);
    } catch (IOException | RuntimeException | InterruptedException e) {
      if (early != null) {
        early.thenAccept(DataplaneFactory.Early::close); // unless the plane failed to open
      }
      throw e;
    }
    watch.phase("core");
    DaemonCore c =
        new DaemonCore(
            new DaemonCore.Parts(
                keys,
                pool,
                parseStunServers(reg.stun()),
                coord,
                dataplane,
                Ticker.system(),
                InstantSource.system(),
                PeerTimings.defaults()
                    .withOpenerTtls(openerTtls(config.openerTtl()))
                    .withPunchTimeout(config.punchTimeout()),
                metrics,
                this::localEndpoints,
                NatProbe.NETCHECK,
                coordSender,
                loop,
                this::fail,
                relayAddress(reg.relay())));
    core = c;
    if (config.aggressivePunch()) {
      c.enableAggressivePunch();
    }
    dataplane.onFailure(this::dataplaneFailed);
    watch.phase("dataplane_start");
    dataplane.start(p -> loop.offer(() -> c.onDiscoStun(p)));

    // STUN, the held peer lists and the timers first: the local API and metrics are for operators,
    // the peers wait for our endpoints.
    watch.phase("endpoints");
    loop.execute(() -> inbox.attach(c::onPeers, c::onSignal));
    loop.execute(c::refreshEndpoints);
    loop.paced(TickPace.FAST.period(), "tick", () -> c.tick().period().toNanos());
    loop.every(ENDPOINT_REFRESH_SECONDS, TimeUnit.SECONDS, "endpoints", c::refreshEndpoints);

    watch.phase("local_api");
    localApi =
        LocalApiServer.start(config.localApiSocket(), new LocalApiCommands(loop, c, this::close));
    if (config.metricsAddr() != null) {
      metricsServer = MetricsHttpServer.start(config.metricsAddr(), metrics.registry());
      log.info("metrics_listen addr={}", HostPort.format(metricsServer.address()));
    }

    log.info(
        "daemon_up tunnel_ip={} port={} local_api={}",
        reg.tunnelIp(),
        dataplane.port(),
        config.localApiSocket());
  }

  /**
   * Blocks until {@link #close()} ran; throws the failure that stopped the daemon, if one did (the
   * command then exits non-zero with its message).
   */
  public void awaitStop() throws InterruptedException {
    stopped.await();
    GretunException f = failure;
    if (f != null) {
      throw f;
    }
  }

  /** The daemon cannot go on: log, remember why, and stop everything (off the event loop). */
  private void fail(GretunException why) {
    if (failure != null) {
      return;
    }
    failure = why;
    log.error("daemon_failed code={} error={}", why.code(), why.getMessage());
    Thread.ofPlatform().name("daemon-stop").start(this::close);
  }

  /**
   * A packet thread cannot go on (called on that thread): the node would keep reporting its peers
   * as direct while no packet moves, so the daemon stops instead.
   */
  private void dataplaneFailed(String why) {
    fail(new GretunException("dataplane_failed", "the data plane stopped: " + why));
  }

  private CoordClient.Config clientConfig(NodeKeys keys) {
    CoordClient.Config c =
        CoordClient.Config.of(
            config.coordinators(),
            nodeKeyPair(keys),
            keys.discoPublic(),
            config.hostname(),
            config.authKey());
    for (URI coordinator : config.coordinators()) {
      if (config.insecureHttp() && "http".equals(coordinator.getScheme())) {
        log.warn(
            "insecure_http coordinator={} note=\"--insecure-http: peer lists and tunnel addresses"
                + " travel in clear\"",
            coordinator);
      }
    }
    return config.coordinatorCa() == null
        ? c
        : c.withTls(CoordTrust.trustOnly(config.coordinatorCa()));
  }

  private static KeyPair nodeKeyPair(NodeKeys keys) {
    return Ed25519Keys.keyPair(keys.nodePrivate(), keys.nodePublic());
  }

  private static List<InetSocketAddress> parseStunServers(List<String> list) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (String s : list == null ? List.<String>of() : list) {
      try {
        out.add(HostPort.parse(s));
      } catch (IllegalArgumentException e) {
        log.warn("stun_server_ignored server={} error={}", s, e.getMessage());
      }
    }
    return out;
  }

  /** The relay the coordinator named, as an IPv4 address we can send to, or null. */
  private static InetSocketAddress relayAddress(String relay) {
    if (relay == null) {
      log.info(
          "relay_none note=\"the coordinator runs no data relay: peers without a direct path"
              + " get no traffic\"");
      return null;
    }
    try {
      InetSocketAddress a = HostPort.parse(relay);
      if (a.isUnresolved()) {
        a = new InetSocketAddress(InetAddress.getByName(a.getHostString()), a.getPort());
      }
      if (!(a.getAddress() instanceof Inet4Address)) {
        throw new IllegalArgumentException("not an IPv4 address");
      }
      log.info("relay addr={}", HostPort.format(a));
      return a;
    } catch (IllegalArgumentException | IOException e) {
      log.warn("relay_ignored relay={} error=\"{}\"", relay, e.getMessage());
      return null;
    }
  }

  private static List<Integer> openerTtls(int first) {
    LinkedHashSet<Integer> ttls = new LinkedHashSet<>();
    ttls.add(first);
    ttls.add(first + 1);
    ttls.add(first + 2);
    return List.copyOf(ttls);
  }

  private List<InetSocketAddress> localEndpoints(int port) throws IOException {
    List<InetSocketAddress> out = new ArrayList<>();
    for (InetAddress a : LocalAddresses.collect(Set.of(config.tunName()))) {
      out.add(new InetSocketAddress(a, port));
    }
    return out;
  }

  /** Stops every loop and removes what the daemon created (TUN device, local API socket). */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      awaitClosed(); // e.g. the shutdown hook while a failure is stopping us
      return;
    }
    if (coord != null) {
      coord.close();
    }
    loop.close();
    coordSender.shutdownNow();
    if (localApi != null) {
      localApi.close();
    }
    if (metricsServer != null) {
      metricsServer.close();
    }
    if (dataplane != null) {
      dataplane.close();
    }
    log.info("daemon_stopped");
    stopped.countDown();
  }

  private void awaitClosed() {
    try {
      stopped.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
