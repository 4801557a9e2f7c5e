package dev.gretun.core.dataplane.kernel;

import dev.gretun.core.dataplane.Dataplane;
import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.dataplane.DiscoStunPacket;
import dev.gretun.core.dataplane.GreKeyClaims;
import dev.gretun.core.dataplane.PacketErrors;
import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.dataplane.PeerTraffic;
import dev.gretun.core.link.LinkControl;
import dev.gretun.core.link.NetlinkLinkControl;
import dev.gretun.core.os.ErrnoException;
import dev.gretun.core.os.RawSocket;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.util.Ticker;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel data plane (docs/NAT-TRAVERSAL.md §2–3): the kernel carries every data packet; the
 * daemon only sets it up.
 *
 * <ul>
 *   <li>The kernel's FOU socket owns UDP port P (GRE-in-UDP, ipproto 47) for the daemon's whole
 *       life ({@link FouPortClaim}). Disco and STUN still use P: sent through a raw socket,
 *       received through a filtered packet socket ({@link DiscoStunIo}).
 *   <li>Per peer one keyed FOU GRE device ({@link GreDevices}), pointed at the peer's endpoint
 *       while the direct path sends and at the coordinator's data relay otherwise (retargeted in
 *       place); without a relay, path loss takes its link down.
 *   <li>An {@code unreachable} route for the overlay prefix ({@link GuardRoute}) drops packets for
 *       a peer whose device is down instead of leaking them into the underlay (§3.6).
 *   <li>Inbound data is seen in the devices' rx counters ({@link DeviceCounters}).
 *   <li>Source enforcement: strict reverse-path filtering on every peer device ({@link
 *       ReversePathFilter}); a GRE key two peers share is given to one only ({@link GreKeyClaims}).
 * </ul>
 *
 * <p>All methods run on the daemon's event loop; only the tap thread ({@code dp-tap}) is ours.
 */
public final class KernelDataplane implements Dataplane {
  private static final Logger log = LoggerFactory.getLogger(KernelDataplane.class);
  public static final int MTU = GreDevices.MTU;

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
  private final LinkControl kernel;
  private final DiscoStunIo io;
  private final ProbeSender probes;
  private final DataplaneCounters counters;
  private final GreDevices devices;
  private final DeviceCounters deviceCounters;
  private final FouPortClaim fou;
  private final GuardRoute guard;
  private final ReversePathFilter rpFilter;
  private final GreKeyClaims keyClaims;
  private final PacketErrors eventLoopErrors = new PacketErrors("event-loop", System::nanoTime);
  private final AtomicBoolean failed = new AtomicBoolean();
  private volatile Consumer<String> failureHandler = reason -> {};
  private Thread rxThread;
  private volatile boolean closed;

  private KernelDataplane(
      Config config,
      LinkControl kernel,
      SourceAddresses sources,
      DiscoStunIo io,
      ProbeSender probes,
      DataplaneCounters counters,
      Ticker ticker,
      ReversePathFilter.ProcSys procSys) {
    this.config = config;
    this.kernel = kernel;
    this.io = io;
    this.probes = probes;
    this.counters = counters;
    this.rpFilter = new ReversePathFilter(procSys, ticker);
    this.keyClaims = new GreKeyClaims(counters.greKeyCollisions);
    this.deviceCounters = new DeviceCounters(kernel, counters, ticker);
    this.devices =
        new GreDevices(
            kernel, sources, config.port(), config.tunnelIp(), rpFilter, deviceCounters::add);
    this.fou = new FouPortClaim(kernel, config.port(), config.claimDir());
    this.guard = new GuardRoute(kernel, config.tunnelIp(), config.prefixLength());
  }

  /**
   * Opens the real plane in this thread's network namespace: opens the raw and packet sockets
   * (failing here when the platform forbids them), removes our leftovers, opens FOU port P and
   * installs the guard route.
   */
  public static KernelDataplane open(Config config, DataplaneCounters counters)
      throws ErrnoException {
    NetlinkLinkControl kernel = NetlinkLinkControl.open();
    SourceAddresses sources = new SourceAddresses(kernel);
    DiscoStunIo io = null;
    try {
      RawUdpSender sender =
          RawUdpSender.open(config.port(), dst -> SockAddrIn.ipv4(sources.toward(dst)));
      try {
        io = new DiscoStunIo.RawTap(sender, PacketTap.open(config.port(), 250));
      } catch (ErrnoException | RuntimeException e) {
        sender.close();
        throw e;
      }
      RawSocket raw = RawSocket.open(RawSocket.IPPROTO_RAW);
      ProbeSender probes =
          new ProbeSender() {
            @Override
            public void send(byte[] inner, int dstIp) {
              raw.send(inner, 0, inner.length, dstIp); // a refused probe is lost
            }

            @Override
            public void close() {
              raw.close();
            }
          };
      return create(
          config,
          kernel,
          sources,
          io,
          probes,
          counters,
          Ticker.system(),
          ReversePathFilter.ProcSys.REAL);
    } catch (ErrnoException | RuntimeException e) {
      if (io != null) {
        io.close();
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
      LinkControl kernel,
      SourceAddresses sources,
      DiscoStunIo io,
      ProbeSender probes,
      DataplaneCounters counters,
      Ticker ticker,
      ReversePathFilter.ProcSys procSys) {
    KernelDataplane dp =
        new KernelDataplane(config, kernel, sources, io, probes, counters, ticker, procSys);
    try {
      dp.rpFilter.prepare();
      dp.devices.removeLeftovers();
      dp.fou.open();
      dp.guard.add();
      return dp;
    } catch (RuntimeException e) {
      dp.close();
      throw e;
    }
  }

  @Override
  public void start(Predicate<DiscoStunPacket> sink) {
    rxThread = Thread.ofPlatform().name("dp-tap").daemon().start(() -> receiveDiscoStun(sink));
  }

  @Override
  public void onFailure(Consumer<String> failed) {
    failureHandler = failed;
  }

  private void receiveDiscoStun(Predicate<DiscoStunPacket> sink) {
    try {
      io.run(sink, counters); // returns on stop; throws only when the tap cannot go on
    } catch (IOException | RuntimeException e) {
      fail("dp-tap", e);
    }
  }

  /** The tap thread (or the raw sender) cannot go on: log it and tell the daemon, once. */
  private void fail(String thread, Exception e) {
    if (!closed && failed.compareAndSet(false, true)) {
      String why = e instanceof ErrnoException ? e.getMessage() : e.toString();
      log.error("dataplane_failed thread={} error={}", thread, why);
      failureHandler.accept(thread + ": " + why);
    }
  }

  /**
   * A peer without a sending direct path keeps its device, pointed at the relay (remote = the
   * relay's address, FOU destination port = the relay's port, same key): relayed data stays in the
   * kernel, and the strict rp_filter on the device checks its inner source as for direct traffic.
   */
  @Override
  public boolean carriesRelay() {
    return true;
  }

  @Override
  public int port() {
    return config.port();
  }

  @Override
  public boolean sendDiscoStun(byte[] data, int off, int len, InetSocketAddress to, int ttl)
      throws IOException {
    boolean sent;
    try {
      sent = io.send(data, off, len, to, ttl);
    } catch (ErrnoException e) {
      if (PacketErrors.fatal(e.errno())) {
        fail("event-loop", e);
        throw e;
      }
      counters.dropSendError.increment();
      eventLoopErrors.record(e.call(), e.errno());
      return false;
    }
    if (!sent) {
      counters.dropSendFailed.increment();
    }
    return sent;
  }

  @Override
  public void apply(Collection<PeerRoute> routes) {
    devices.apply(keyClaims.admit(routes));
  }

  @Override
  public void probe(String peer, byte[] inner) {
    PeerDevice d = devices.get(peer);
    if (d != null && d.up && !d.relayed) {
      probes.send(inner, SockAddrIn.ipv4(d.route.tunnelIp()));
    }
  }

  @Override
  public Map<String, PeerTraffic> readTraffic() {
    deviceCounters.poll(devices);
    rpFilter.recheck(devices.names());
    Map<String, PeerTraffic> out = new HashMap<>();
    for (PeerDevice d : devices.all()) {
      out.put(d.peer, d.take());
    }
    return out;
  }

  /** Device names of the peers that have one (for tests and status). */
  List<String> deviceNames() {
    return devices.names();
  }

  /** Stops the receive thread, removes every device, the guard route and FOU port P. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    io.stop();
    if (rxThread != null) {
      try {
        rxThread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    io.close();
    probes.close();
    devices.deleteAll();
    rpFilter.restore();
    guard.remove();
    fou.close();
    kernel.close();
  }
}
