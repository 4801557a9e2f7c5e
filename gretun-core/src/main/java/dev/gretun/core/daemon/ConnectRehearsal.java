package dev.gretun.core.daemon;

import dev.gretun.core.GretunException;
import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.keys.KeyStore;
import dev.gretun.core.keys.NodeKeys;
import dev.gretun.core.netcheck.NatType;
import dev.gretun.core.peer.PeerSnapshot;
import dev.gretun.core.peer.PeerTimings;
import dev.gretun.core.util.FakeTicker;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Two daemon cores that find each other through an {@link InMemoryCoordinator}, punch over an
 * {@link InMemoryNetwork}, prove the data path and go direct, on one fake clock: no sockets, no
 * root, no sleeps. The daemon tests build their scenarios from these parts; {@link #run} is the AOT
 * training's rehearsal of a connect (docs/BENCH.md "Connect time"): a real start then finds the
 * peer machine, the disco codec and its ciphers loaded, linked and profiled in the cache instead of
 * reading, verifying and interpreting them while a peer waits.
 */
public final class ConnectRehearsal {
  private static final Duration GIVE_UP = Duration.ofSeconds(10);

  private ConnectRehearsal() {}

  /** One node: its core, its in-memory data plane, its keys and metrics. */
  record Node(DaemonCore core, InMemoryDataplane plane, NodeKeys keys, DaemonMetrics metrics) {}

  /**
   * Connects two nodes and keeps the pair direct for a simulated minute; returns the simulated time
   * until both were direct. Throws {@link IllegalStateException} when they never are.
   */
  public static Duration run() {
    FakeTicker clock = new FakeTicker();
    InMemoryNetwork net = new InMemoryNetwork();
    InMemoryCoordinator coordinator = new InMemoryCoordinator();
    List<GretunException> failures = new ArrayList<>();
    Node a = node(coordinator, net, clock, "a", "100.64.0.1", "192.0.2.1", failures);
    Node b = node(coordinator, net, clock, "b", "100.64.0.2", "198.51.100.2", failures);
    Duration elapsed = stepUntilDirect(coordinator, net, clock, a, b);
    for (int i = 0; i < 60; i++) {
      step(coordinator, net, clock, 1000, a, b); // keepalives, data confirmations
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("the rehearsal failed: " + failures);
    }
    return elapsed;
  }

  /** Wall clock of every node: a fixed epoch plus the fake monotonic clock. */
  static InstantSource wallClock(FakeTicker clock) {
    return () -> Instant.ofEpochMilli(1_700_000_000_000L + clock.nanos() / 1_000_000);
  }

  static Node node(
      InMemoryCoordinator coordinator,
      InMemoryNetwork net,
      FakeTicker clock,
      String name,
      String tunnelIp,
      String address,
      List<GretunException> failures) {
    return node(coordinator, net, clock, name, tunnelIp, address, failures, List.of());
  }

  /** A node asking {@code stunServers} for its mapping (none: its endpoints are known at once). */
  static Node node(
      InMemoryCoordinator coordinator,
      InMemoryNetwork net,
      FakeTicker clock,
      String name,
      String tunnelIp,
      String address,
      List<GretunException> failures,
      List<InetSocketAddress> stunServers) {
    NodeKeys keys = KeyStore.generate(new SecureRandom());
    Coordinator coord = coordinator.join(name, keys, tunnelIp);
    InetSocketAddress at = new InetSocketAddress(v4(address), 7777);
    InMemoryDataplane plane = new InMemoryDataplane(net, at);
    DaemonMetrics metrics = new DaemonMetrics(new DataplaneCounters());
    DaemonCore core =
        new DaemonCore(
            new DaemonCore.Parts(
                keys,
                TunnelPool.fromRegistration(coord.registration()),
                stunServers,
                coord,
                plane,
                clock,
                wallClock(clock),
                PeerTimings.defaults(),
                metrics,
                port -> List.of(at),
                servers -> NatType.UNKNOWN,
                Runnable::run,
                Runnable::run,
                failures::add,
                null));
    plane.start(
        p -> {
          core.onDiscoStun(p);
          return true;
        });
    coord.watchPeers(core::onPeers);
    coord.watchSignals(core::onSignal);
    core.refreshEndpoints();
    return new Node(core, plane, keys, metrics);
  }

  private static Inet4Address v4(String s) {
    try {
      return (Inet4Address) InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static String stateOfOnlyPeer(Node n) {
    List<PeerSnapshot> rows = n.core().snapshot();
    return rows.size() == 1 ? rows.getFirst().state() : "peers=" + rows.size();
  }

  /**
   * Steps the clock 50 ms at a time, delivering everything, until both are direct; the time. Throws
   * {@link IllegalStateException} when they are not after 10 simulated seconds.
   */
  static Duration stepUntilDirect(
      InMemoryCoordinator coordinator, InMemoryNetwork net, FakeTicker clock, Node a, Node b) {
    Duration elapsed = Duration.ZERO;
    while (!(stateOfOnlyPeer(a).equals("direct") && stateOfOnlyPeer(b).equals("direct"))) {
      if (elapsed.compareTo(GIVE_UP) >= 0) {
        throw new IllegalStateException(
            "not direct after 10 s: a=" + stateOfOnlyPeer(a) + " b=" + stateOfOnlyPeer(b));
      }
      step(coordinator, net, clock, 50, a, b);
      elapsed = elapsed.plusMillis(50);
    }
    return elapsed;
  }

  /** Advances the clock, delivers until quiet, ticks every node. */
  static void step(
      InMemoryCoordinator coordinator,
      InMemoryNetwork net,
      FakeTicker clock,
      long millis,
      Node... nodes) {
    clock.advanceMillis(millis);
    while (coordinator.deliverAll() + net.deliverAll() > 0) {
      // answers produce more messages; deliver until the step is quiet
    }
    for (Node n : nodes) {
      n.core().tick();
    }
    net.deliverAll();
  }
}
