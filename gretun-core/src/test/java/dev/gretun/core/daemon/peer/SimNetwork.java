package dev.gretun.core.daemon.peer;

import dev.gretun.core.daemon.FakeTicker;
import dev.gretun.core.disco.DiscoTxId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.BiPredicate;

/**
 * Two or more daemons (each a {@link PeerTable}) behind {@link SimNat}s on an in-memory internet,
 * driven by one {@link FakeTicker}. Models IP TTL per hop, one-way latency, the coordinator relay
 * for call_me_maybe, and a data plane that sends a datagram every 100 ms on a configured,
 * unsuspended path and reports inbound data as {@link PeerEvent.DataPathConfirmed}.
 */
final class SimNetwork {
  static final Duration STEP = Duration.ofMillis(10);
  static final long LATENCY = Duration.ofMillis(20).toNanos();
  static final long RELAY_LATENCY = Duration.ofMillis(60).toNanos();
  static final long DATA_EVERY = Duration.ofMillis(100).toNanos();
  static final int DEFAULT_TTL = 64;

  sealed interface Payload {
    String from();
  }

  record Ping(String from, DiscoTxId tx) implements Payload {}

  record Pong(String from, DiscoTxId tx, InetSocketAddress src) implements Payload {}

  record Data(String from) implements Payload {}

  private record InFlight(
      long at, long seq, InetSocketAddress src, InetSocketAddress dst, int ttl, Payload payload) {}

  private record Relayed(long at, long seq, String from, String to, List<InetSocketAddress> eps) {}

  final FakeTicker ticker = new FakeTicker();
  final Map<String, Node> nodes = new LinkedHashMap<>();

  /** Routers between the NATs. */
  int internetHops = 1;

  /** Drops a datagram when it returns true for (sending node, destination). */
  BiPredicate<String, InetSocketAddress> dropIf = (from, to) -> false;

  private final PriorityQueue<InFlight> inFlight =
      new PriorityQueue<>(Comparator.comparingLong(InFlight::at).thenComparingLong(InFlight::seq));
  private final PriorityQueue<Relayed> relayed =
      new PriorityQueue<>(Comparator.comparingLong(Relayed::at).thenComparingLong(Relayed::seq));
  private long seq;

  /** A daemon: one port P behind a NAT, its peer table, and a tiny data plane. */
  final class Node {
    final String key;
    final InetSocketAddress addr;
    final SimNat nat;
    final PeerTable<String> table;
    final List<PeerAction> actions = new ArrayList<>();
    final Map<String, InetSocketAddress> path = new HashMap<>();
    final java.util.Set<String> suspended = new HashSet<>();
    int pingsSent;
    private long nextDataAt;

    Node(String key, InetSocketAddress addr, SimNat nat, PeerTimings timings, long seed) {
      this.key = key;
      this.addr = addr;
      this.nat = nat;
      this.table = new PeerTable<>(key, ticker, new SplittableRandom(seed), timings);
      // Nodes send data out of phase, as real hosts do; a NAT flush then poisons (§3.6).
      this.nextDataAt = ticker.nanos() + nodes.size() * DATA_EVERY / 2;
    }

    List<InetSocketAddress> endpoints() {
      return List.of(addr, new InetSocketAddress(nat.publicIp, addr.getPort()));
    }

    PeerState stateOf(String peer) {
      return table.machine(peer).orElseThrow().state();
    }

    void execute(List<KeyedAction<String>> keyed) {
      for (var k : keyed) {
        actions.add(k.action());
        String peer = k.peer();
        switch (k.action()) {
          case PeerAction.SendPing p -> {
            pingsSent++;
            send(this, p.to(), p.ttl() == null ? DEFAULT_TTL : p.ttl(), new Ping(key, p.tx()));
          }
          case PeerAction.SendPong p ->
              send(this, p.to(), DEFAULT_TTL, new Pong(key, p.tx(), p.src()));
          case PeerAction.SendCallMeMaybe c ->
              relayed.add(
                  new Relayed(ticker.nanos() + RELAY_LATENCY, seq++, key, peer, endpoints()));
          case PeerAction.ConfigureDirectPath c -> path.put(peer, c.endpoint());
          case PeerAction.SuspendPath s -> suspended.add(peer);
          case PeerAction.ResumePath r -> suspended.remove(peer);
          case PeerAction.UseRelay u -> path.remove(peer);
          case PeerAction.RemovePeer r -> {
            path.remove(peer);
            suspended.remove(peer);
          }
          case PeerAction.Transition t -> {}
          case PeerAction.PunchSucceeded p -> {}
          case PeerAction.PongRejected p -> {}
        }
      }
    }

    void receive(InetSocketAddress from, Payload p) {
      PeerEvent event =
          switch (p) {
            case Ping ping -> new PeerEvent.PingReceived(ping.tx(), from);
            case Pong pong -> new PeerEvent.PongReceived(pong.tx(), from, pong.src());
            case Data d -> new PeerEvent.DataPathConfirmed(from);
          };
      execute(table.on(p.from(), event));
    }

    void step(long now) {
      execute(table.tick());
      if (now >= nextDataAt) {
        nextDataAt = now + DATA_EVERY;
        for (var e : path.entrySet()) {
          if (suspended.contains(e.getKey())) {
            continue;
          }
          send(this, e.getValue(), DEFAULT_TTL, new Data(key));
        }
      }
    }

    /** The coordinator tells this node about every other node. */
    void syncFromCoordinator() {
      var list = new LinkedHashMap<String, PeerInfo>();
      for (var n : nodes.values()) {
        list.put(n.key, PeerInfo.of("node-" + n.key, n.nat.publicIp, n.endpoints()));
      }
      execute(table.reconcile(list));
    }

    <T extends PeerAction> List<T> actionsOf(Class<T> type) {
      return actions.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }

  Node addNode(String key, String inside, String publicIp, int insideHops, PeerTimings timings) {
    var node =
        new Node(
            key,
            new InetSocketAddress(ip(inside), 7777),
            new SimNat(ip(publicIp), insideHops),
            timings,
            key.hashCode());
    nodes.put(key, node);
    return node;
  }

  void send(Node from, InetSocketAddress dst, int ttl, Payload payload) {
    long now = ticker.nanos();
    int t = ttl - from.nat.insideHops;
    if (t < 2) {
      return; // expired before (or at) our own NAT: no mapping created
    }
    var publicSrc = from.nat.outbound(from.addr, dst, now);
    t -= 1 + internetHops;
    if (t < 1 || dropIf.test(from.key, dst)) {
      return;
    }
    inFlight.add(new InFlight(now + LATENCY, seq++, publicSrc, dst, t, payload));
  }

  private void deliver(InFlight f) {
    for (var node : nodes.values()) {
      if (!node.nat.publicIp.equals(f.dst().getAddress())) {
        continue;
      }
      var inside = node.nat.inbound(f.src(), f.dst().getPort(), ticker.nanos());
      if (inside != null && f.ttl() - 1 - node.nat.insideHops >= 1 && inside.equals(node.addr)) {
        node.receive(f.src(), f.payload());
      }
    }
  }

  void runFor(Duration d) {
    long end = ticker.nanos() + d.toNanos();
    while (ticker.nanos() < end) {
      ticker.advance(STEP);
      long now = ticker.nanos();
      while (!inFlight.isEmpty() && inFlight.peek().at() <= now) {
        deliver(inFlight.poll());
      }
      while (!relayed.isEmpty() && relayed.peek().at() <= now) {
        var r = relayed.poll();
        var to = nodes.get(r.to());
        if (to != null) {
          to.execute(to.table.on(r.from(), new PeerEvent.CallMeMaybeReceived(r.eps())));
        }
      }
      for (var node : nodes.values()) {
        node.step(now);
      }
    }
  }

  /**
   * Runs until {@code done} holds (checked every step) or {@code limit} passes; returns the time.
   */
  Duration runUntil(java.util.function.BooleanSupplier done, Duration limit) {
    long start = ticker.nanos();
    while (!done.getAsBoolean() && ticker.nanos() - start < limit.toNanos()) {
      runFor(STEP);
    }
    return Duration.ofNanos(ticker.nanos() - start);
  }

  static InetAddress ip(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(text, e);
    }
  }
}
