package dev.gretun.coord.http;

import dev.gretun.coord.CoordConfig;
import dev.gretun.coord.datarelay.DataRelay;
import dev.gretun.coord.metrics.CoordMetrics;
import dev.gretun.coord.registry.Registry;
import dev.gretun.coord.relay.Mailboxes;
import dev.gretun.coord.relay.SignalRelay;
import dev.gretun.coord.store.CoordStore;
import dev.gretun.coord.stun.StunService;
import dev.gretun.coord.tls.ServerTls;
import dev.gretun.core.GretunException;
import dev.gretun.core.util.HostPort;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running coordinator: Netty HTTP/1.1 server (epoll when available, NIO otherwise) in front of
 * {@link CoordApi}, the metrics listener when configured (both bounded by one {@link
 * ConnectionCaps}), plus the background tasks (notice store changes made by the admin CLI, expire
 * signals). {@link #close} is graceful: stop accepting, answer waiting long-polls, let in-flight
 * requests finish (bounded by the shutdown grace), then close STUN and the store.
 */
public final class CoordServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CoordServer.class);
  private static final int METRICS_CONNECTIONS = 16;

  private final CoordConfig config;
  private final CoordStore store;
  private final StunService stun;
  private final Registry registry;
  private final Mailboxes relay;
  private final CoordMetrics metrics;
  private final CoordApi api;
  private final EventLoopGroup group;
  private final ExecutorService worker = Executors.newVirtualThreadPerTaskExecutor();
  private final ScheduledExecutorService background =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("coord-background").unstarted(r));
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Class<? extends ServerChannel> channelType;
  private final Channel serverChannel;
  private final Channel metricsChannel;
  private final DataRelay dataRelay;
  private final String transport;
  private volatile boolean draining;
  private boolean closed;

  private CoordServer(CoordConfig config, CoordStore store, StunService stun, InstantSource clock) {
    this.config = config;
    this.store = store;
    this.stun = stun;
    this.registry = new Registry(store);
    this.relay =
        store
            .sharedMailboxes(config.limits().signalsPerRecipient(), config.limits().signalTtl())
            .orElseGet(
                () ->
                    new SignalRelay(
                        config.limits().signalsPerRecipient(), config.limits().signalTtl()));
    this.metrics = new CoordMetrics(registry::size, relay, stun);
    this.api = new CoordApi(config, store, registry, relay, metrics, clock, worker);
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    this.transport = epoll ? "epoll" : "nio";
    this.group = new MultiThreadIoEventLoopGroup(io);
    CoordConfig.Limits l = config.limits();
    FdLimit fds = FdLimit.current();
    CoordConfig.Connections c = l.connections();
    ConnectionMetrics connections = new ConnectionMetrics(metrics.registry());
    ConnectionCaps caps =
        new ConnectionCaps(c.perIp(), c.total() > 0 ? c.total() : fds.connectionCap(), connections);
    if (fds.soft() < fds.hard()) {
      LOG.warn(
          "fd_limit_low soft={} hard={} note=\"the JVM did not raise the soft limit"
              + " (-XX:-MaxFDLimit?); connections are capped below the soft limit\"",
          fds.soft(),
          fds.hard());
    }
    LOG.info(
        "connection_limits fd_soft={} fd_hard={} max_connections={} per_ip={} request_timeout={}"
            + " write_timeout={} pipelined={}",
        fds.soft(),
        fds.hard(),
        caps.total(),
        c.perIp() > 0 ? c.perIp() : "off",
        c.requestTimeout(),
        c.writeTimeout(),
        c.pipelined());
    connections.gaugeOpen("public", caps);
    this.serverChannel = bind(config.listen(), api, caps, connections, config.tls(), "listen");
    // Own small cap, inside the fd reserve: scrapes keep working while attackers fill the
    // public listener's cap.
    ConnectionCaps metricsCaps = new ConnectionCaps(0, METRICS_CONNECTIONS, connections);
    connections.gaugeOpen("metrics", metricsCaps);
    this.metricsChannel =
        config.metricsListen() == null
            ? null
            : bind(
                config.metricsListen(),
                new MetricsRoutes(metrics, worker),
                metricsCaps,
                connections,
                ServerTls.plainHttp(),
                "metrics-listen");
    background.scheduleWithFixedDelay(this::noticeExternalChanges, 500, 500, TimeUnit.MILLISECONDS);
    // Other replicas' writes (PostgreSQL NOTIFY) wake long-polls at once; the poll stays as backup.
    store.onChange(this::noticeExternalChanges);
    background.scheduleWithFixedDelay(
        () -> {
          relay.sweep(clock.instant());
          api.signalRate().prune();
        },
        10,
        10,
        TimeUnit.SECONDS);
    this.dataRelay = startDataRelay(config, clock);
  }

  /** The UDP data relay beside the API, or null when it is off; a failed start undoes the rest. */
  private DataRelay startDataRelay(CoordConfig config, InstantSource clock) {
    if (config.relay() == null) {
      return null;
    }
    try {
      return DataRelay.start(
          config.relay(),
          nodeKey -> registry.node(nodeKey).isPresent(),
          metrics.registry(),
          clock,
          dev.gretun.core.util.Ticker.system());
    } catch (RuntimeException e) {
      serverChannel.close().syncUninterruptibly();
      if (metricsChannel != null) {
        metricsChannel.close().syncUninterruptibly();
      }
      background.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** The data relay's UDP address, or null when it is off. */
  public InetSocketAddress relayAddress() {
    return dataRelay == null ? null : dataRelay.localAddress();
  }

  private Channel bind(
      InetSocketAddress address,
      HttpRoutes routes,
      ConnectionCaps listenerCaps,
      ConnectionMetrics connections,
      ServerTls tls,
      String flag) {
    ServerBootstrap b =
        new ServerBootstrap()
            .group(group)
            .channel(channelType)
            .option(ChannelOption.SO_BACKLOG, 4096)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(32 * 1024, 128 * 1024))
            .childHandler(
                new HttpPipeline(
                    config.limits(),
                    routes,
                    metrics,
                    listenerCaps,
                    connections,
                    inFlight,
                    () -> draining,
                    channels,
                    tls));
    try {
      return b.bind(address).sync().channel();
    } catch (Exception e) {
      if (serverChannel != null) {
        serverChannel.close().syncUninterruptibly();
      }
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new GretunException(
          "listen",
          "cannot listen on " + HostPort.format(address) + " (--" + flag + "): " + e.getMessage(),
          e);
    }
  }

  /** Starts serving; the store and STUN service are owned (closed) by the server from now on. */
  public static CoordServer start(
      CoordConfig config, CoordStore store, StunService stun, InstantSource clock) {
    return new CoordServer(config, store, stun, clock);
  }

  private void noticeExternalChanges() {
    try {
      if (store.version() != registry.version()) {
        var before = registry.nodes();
        registry.refresh();
        // Nodes an operator removed lose their queued signals too.
        before.stream()
            .filter(n -> registry.node(n.nodeKey()).isEmpty())
            .forEach(n -> relay.forget(n.nodeKey()));
      }
    } catch (RuntimeException e) {
      LOG.warn("store_poll_failed error={}", e.getMessage());
    }
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /** The metrics listener's address, or null when it is off. */
  public InetSocketAddress metricsAddress() {
    return metricsChannel == null ? null : (InetSocketAddress) metricsChannel.localAddress();
  }

  public String transport() {
    return transport;
  }

  public Registry registry() {
    return registry;
  }

  public CoordMetrics metrics() {
    return metrics;
  }

  public CoordApi api() {
    return api;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    LOG.info("shutdown_started in_flight={}", inFlight.get());
    serverChannel.close().syncUninterruptibly();
    if (metricsChannel != null) {
      metricsChannel.close().syncUninterruptibly();
    }
    draining = true;
    api.drain();
    long deadline = System.nanoTime() + config.limits().shutdownGrace().toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    channels.close().awaitUninterruptibly(Duration.ofSeconds(2).toMillis());
    background.shutdownNow();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    worker.shutdown();
    try {
      worker.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (dataRelay != null) {
      dataRelay.close();
    }
    stun.close();
    store.close();
    LOG.info("shutdown_done");
  }
}
