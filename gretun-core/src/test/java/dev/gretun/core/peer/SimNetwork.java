package dev.gretun.core.peer;

import dev.gretun.core.netcheck.NatType;
import dev.gretun.core.util.FakeTicker;
import dev.gretun.core.wire.disco.DiscoTxId;
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
 * for call_me_maybe, a data plane that sends a datagram every 100 ms on a configured, unsuspended
 * path (or, in {@link Traffic#ECHO} mode, only answers the peer's data, as a host answering pings
 * does), reports inbound data as {@link PeerEvent.DataPathConfirmed} and its counters through
 * {@link PeerTable#setTraffic}, and optionally the daemon's periodic STUN refresh from port P to a
 * server on the internet, whose answer is posted to the coordinator and pushed to every node.
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

  /** How a node's workload sends data on a direct path. */
  enum Traffic {
    /** A datagram every {@link #DATA_EVERY}. */
    PERIODIC,
    /** Only in answer to the peer's data (e.g. echo replies). */
    ECHO
  }

  static final InetSocketAddress STUN_SERVER = new InetSocketAddress(ip("192.0.2.10"), 3478);
  static final Duration STUN_EVERY = Duration.ofSeconds(25);

  private record InFlight(
      long at, long seq, InetSocketAddress src, InetSocketAddress dst, int ttl, Payload payload) {}

  private record Relayed(
      long at, long seq, long sentAt, String from, String to, List<InetSocketAddress> eps) {}

  final FakeTicker ticker = new FakeTicker();
  final Map<String, Node> nodes = new LinkedHashMap<>();

  /** Routers between the NATs. */
  int internetHops = 1;

  /** How long the coordinator takes to relay a call_me_maybe. */
  long relayLatency = RELAY_LATENCY;

  /**
   * Nothing relayed is delivered before this time (a stuck long-poll: in the lab the first
   * long-poll of each daemon ends only at the client's 20 s timeout).
   */
  long relayStalledUntil = Long.MIN_VALUE;

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

    /** Every action but pings and pongs, with the time it happened (for failure messages). */
    final StringBuilder log = new StringBuilder();

    final Map<String, InetSocketAddress> path = new HashMap<>();
    final java.util.Set<String> suspended = new HashSet<>();
    final Map<String, Long> rx = new HashMap<>();
    final Map<String, Long> tx = new HashMap<>();
    Traffic traffic = Traffic.PERIODIC;

    /** Killed: receives and sends nothing (its NAT's entries live on). */
    boolean down;

    InetSocketAddress published;
    int pingsSent;
    private long nextDataAt;
    private long nextStunAt = Long.MAX_VALUE;

    Node(String key, InetSocketAddress addr, SimNat nat, PeerTimings timings, long seed) {
      this.key = key;
      this.addr = addr;
      this.nat = nat;
      this.table = new PeerTable<>(key, ticker, new SplittableRandom(seed), timings);
      // Nodes send data out of phase, as real hosts do; a NAT flush then poisons (§3.6).
      this.nextDataAt = ticker.nanos() + nodes.size() * DATA_EVERY / 2;
      this.published = new InetSocketAddress(nat.publicIp, addr.getPort());
      table.setReflexivePosted(true);
    }

    /**
     * Local address and the public one last posted (initially the port-preserving mapping; none
     * while {@link #stunUnanswered} holds).
     */
    List<InetSocketAddress> endpoints() {
      return published == null ? List.of(addr) : List.of(addr, published);
    }

    /** Our STUN has not answered yet: only the LAN address is posted. */
    void stunUnanswered() {
      published = null;
      table.setReflexivePosted(false);
    }

    /** One STUN round now (its mapping posted to every node if it is new). */
    void stunNow() {
      stun(ticker.nanos());
    }

    /** Starts the periodic STUN refresh (first one after {@code phase}). */
    void stunEvery(Duration phase) {
      nextStunAt = ticker.nanos() + phase.toNanos();
    }

    PeerState stateOf(String peer) {
      return table.machine(peer).orElseThrow().state();
    }

    void execute(List<KeyedAction<String>> keyed) {
      for (var k : keyed) {
        actions.add(k.action());
        if (!(k.action() instanceof PeerAction.SendPing
            || k.action() instanceof PeerAction.SendPong)) {
          log.append(String.format("%n%.2f %s", ticker.nanos() / 1e9, k.action()));
        }
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
                  new Relayed(
                      Math.max(ticker.nanos() + relayLatency, relayStalledUntil),
                      seq++,
                      ticker.nanos(),
                      key,
                      peer,
                      endpoints()));
          case PeerAction.ConfigureDirectPath c -> path.put(peer, c.endpoint());
          case PeerAction.SuspendPath s -> suspended.add(peer);
          case PeerAction.ResumePath r -> suspended.remove(peer);
          case PeerAction.NoPath u -> path.remove(peer);
          case PeerAction.RemovePeer r -> {
            path.remove(peer);
            suspended.remove(peer);
          }
          case PeerAction.Transition t -> {}
          case PeerAction.PunchSucceeded p -> {}
          case PeerAction.PongRejected p -> {}
          case PeerAction.SendDataProbe p -> {} // the simulated data path confirms itself
          // The simulation runs no --aggressive-punch: birthday actions never come
          // (BirthdayPunchTest).
          case PeerAction.BirthdaySpray b -> {}
          case PeerAction.BirthdayProbing b -> {}
          case PeerAction.BirthdayProbe b -> {}
          case PeerAction.BirthdayWon b -> {}
          case PeerAction.BirthdayEnded b -> {}
        }
      }
    }

    void receive(InetSocketAddress from, Payload p) {
      if (down) {
        return;
      }
      if (p instanceof Data && !from.equals(path.get(p.from()))) {
        return; // the data plane drops GRE from anywhere but the configured endpoint
      }
      PeerEvent event =
          switch (p) {
            case Ping ping -> new PeerEvent.PingReceived(ping.tx(), from);
            case Pong pong -> new PeerEvent.PongReceived(pong.tx(), from, pong.src());
            case Data d -> new PeerEvent.DataPathConfirmed(from);
          };
      execute(table.on(p.from(), event));
      if (p instanceof Data) {
        rx.merge(p.from(), 1L, Long::sum);
        if (traffic == Traffic.ECHO) {
          sendData(p.from());
        }
      }
    }

    private void sendData(String peer) {
      var to = path.get(peer);
      if (to != null && !suspended.contains(peer)) {
        tx.merge(peer, 1L, Long::sum);
        send(this, to, DEFAULT_TTL, new Data(key));
      }
    }

    void step(long now) {
      if (down) {
        return;
      }
      execute(table.tick());
      if (now >= nextStunAt) {
        nextStunAt = now + STUN_EVERY.toNanos();
        stun(now);
      }
      if (traffic == Traffic.PERIODIC && now >= nextDataAt) {
        nextDataAt = now + DATA_EVERY;
        for (var peer : List.copyOf(path.keySet())) {
          sendData(peer);
        }
      }
      for (var peer : nodes.keySet()) {
        if (!peer.equals(key)) {
          execute(table.setTraffic(peer, rx.getOrDefault(peer, 0L), tx.getOrDefault(peer, 0L)));
        }
      }
    }

    /** STUN from P (request and answer, no latency); a new mapping is posted to everyone. */
    private void stun(long now) {
      var mapped = nat.outbound(addr, STUN_SERVER, now);
      nat.inbound(STUN_SERVER, mapped.getPort(), now);
      if (!mapped.equals(published)) {
        published = mapped;
        table.setReflexivePosted(true);
        for (var n : nodes.values()) {
          if (n != this) {
            n.syncFromCoordinator();
          }
        }
      }
    }

    /** The coordinator tells this node about every other node. */
    void syncFromCoordinator() {
      var list = new LinkedHashMap<String, PeerInfo>();
      for (var n : nodes.values()) {
        list.put(
            n.key,
            new PeerInfo(
                "node-" + n.key, n.nat.publicIp, n.endpoints(), NatType.UNKNOWN, n.published));
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

  /** A node behind {@code sibling}'s NAT, also on port 7777 (two hosts behind one home NAT). */
  Node addNodeBehind(String key, String inside, Node sibling, PeerTimings timings) {
    var node =
        new Node(
            key, new InetSocketAddress(ip(inside), 7777), sibling.nat, timings, key.hashCode());
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
        if (to != null && !to.down) {
          Duration age = Duration.ofNanos(now - r.sentAt());
          to.execute(to.table.on(r.from(), new PeerEvent.CallMeMaybeReceived(r.eps(), age)));
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
