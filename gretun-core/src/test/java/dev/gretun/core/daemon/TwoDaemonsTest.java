package dev.gretun.core.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.GretunException;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.dataplane.Dataplane;
import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.dataplane.DiscoStunPacket;
import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.dataplane.PeerTraffic;
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
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Two daemon cores against in-memory packet I/O and an in-memory coordinator, stepped with one fake
 * clock: both register their endpoints, learn each other, punch, prove the data path through the
 * fake planes (ICMP echo out, echo reply back) and go direct. No sockets, no root, no sleeps.
 */
class TwoDaemonsTest {
  private final FakeTicker clock = new FakeTicker();
  private final Network net = new Network();
  private final FakeCoordinator coordinator = new FakeCoordinator();

  /** Datagrams in flight between the fake planes' addresses. */
  static final class Network {
    record Datagram(InetSocketAddress from, InetSocketAddress to, Object payload) {}

    /** Every datagram sent, in order (what an on-path observer records). */
    final List<Datagram> sent = new java.util.ArrayList<>();

    /** A GRE packet: the pair key and the inner IPv4 packet. */
    record Gre(int key, byte[] inner) {}

    private final Map<InetSocketAddress, FakePlane> planes = new HashMap<>();
    private final Queue<Datagram> inFlight = new ArrayDeque<>();

    void send(InetSocketAddress from, InetSocketAddress to, Object payload) {
      Datagram d = new Datagram(from, to, payload);
      sent.add(d);
      inFlight.add(d);
    }

    /** Delivers until nothing is in flight (answers included); returns how many. */
    int deliverAll() {
      int n = 0;
      while (!inFlight.isEmpty() && n < 10_000) {
        Datagram d = inFlight.poll();
        FakePlane to = planes.get(d.to());
        if (to != null) {
          to.receive(d.from(), d.payload());
        }
        n++;
      }
      return n;
    }
  }

  /** A data plane on one address: disco/STUN datagrams and keyed GRE over {@link Network}. */
  static final class FakePlane implements Dataplane {
    private final Network net;
    private final InetSocketAddress address;
    private Predicate<DiscoStunPacket> sink;
    private final Map<String, PeerRoute> routes = new LinkedHashMap<>();
    private final Map<String, long[]> counters = new HashMap<>(); // rxP, rxB, txP, txB
    private final Map<String, Boolean> inboundSeen = new HashMap<>();
    int echoRepliesSent;

    FakePlane(Network net, InetSocketAddress address) {
      this.net = net;
      this.address = address;
      net.planes.put(address, this);
    }

    @Override
    public void start(Predicate<DiscoStunPacket> sink) {
      this.sink = sink;
    }

    @Override
    public int port() {
      return address.getPort();
    }

    @Override
    public boolean sendDiscoStun(byte[] data, int off, int len, InetSocketAddress to, int ttl) {
      net.send(address, to, Arrays.copyOfRange(data, off, off + len));
      return true;
    }

    @Override
    public void apply(Collection<PeerRoute> next) {
      routes.clear();
      for (PeerRoute r : next) {
        routes.put(r.peer(), r);
      }
    }

    @Override
    public void probe(String peer, byte[] inner) {
      sendData(routes.get(peer), inner);
    }

    private void sendData(PeerRoute r, byte[] inner) {
      if (r != null && r.active()) {
        long[] c = counters.computeIfAbsent(r.peer(), k -> new long[4]);
        c[2]++;
        c[3] += inner.length;
        net.send(address, r.endpoint(), new Network.Gre(r.greKey(), inner));
      }
    }

    void receive(InetSocketAddress from, Object payload) {
      if (payload instanceof byte[] b) {
        sink.test(new DiscoStunPacket(b, from));
        return;
      }
      Network.Gre gre = (Network.Gre) payload;
      PeerRoute r =
          routes.values().stream()
              .filter(x -> x.greKey() == gre.key() && from.equals(x.endpoint()))
              .findFirst()
              .orElse(null);
      if (r == null) {
        return; // unknown key or wrong source: dropped, as the real planes do
      }
      long[] c = counters.computeIfAbsent(r.peer(), k -> new long[4]);
      c[0]++;
      c[1] += gre.inner().length;
      inboundSeen.put(r.peer(), true);
      if (gre.inner()[20] == 8) { // ICMP echo request: the peer's kernel answers
        byte[] reply = gre.inner().clone();
        System.arraycopy(gre.inner(), 16, reply, 12, 4);
        System.arraycopy(gre.inner(), 12, reply, 16, 4);
        reply[20] = 0;
        echoRepliesSent++;
        sendData(r, reply);
      }
    }

    @Override
    public Map<String, PeerTraffic> readTraffic() {
      Map<String, PeerTraffic> out = new HashMap<>();
      for (String peer : routes.keySet()) {
        long[] c = counters.getOrDefault(peer, new long[4]);
        boolean seen = Boolean.TRUE.equals(inboundSeen.remove(peer));
        out.put(peer, new PeerTraffic(c[0], c[1], c[2], c[3], seen, false, null));
      }
      return out;
    }

    Collection<PeerRoute> routes() {
      return routes.values();
    }

    long rxPackets() {
      return counters.values().stream().mapToLong(c -> c[0]).sum();
    }

    @Override
    public void close() {}
  }

  /** One coordinator for every node: registrations, full peer lists, signal mailboxes. */
  static final class FakeCoordinator {
    private final Map<String, CoordWire.Peer> peers = new LinkedHashMap<>();
    private final Map<String, Queue<Runnable>> mailboxes = new HashMap<>();
    private final Map<String, Consumer<CoordWire.PeersResponse>> peerWatchers = new HashMap<>();
    private final Map<String, Consumer<CoordWire.Envelope>> signalWatchers = new HashMap<>();
    private final Map<String, CoordWire.RegisterResponse> registrations = new HashMap<>();
    private final Map<String, Integer> registrationCounts = new HashMap<>();

    /** Every envelope relayed so far, as delivered (what a curious coordinator keeps). */
    final List<Map.Entry<String, CoordWire.Envelope>> relayed = new java.util.ArrayList<>();

    private int cursor;

    Coordinator join(String name, NodeKeys keys, String tunnelIp) {
      String node = Base64.getEncoder().encodeToString(keys.nodePublic());
      String disco = Base64.getEncoder().encodeToString(keys.discoPublic());
      peers.put(node, new CoordWire.Peer(node, disco, name, tunnelIp, List.of(), "t0", "unknown"));
      mailboxes.put(disco, new ArrayDeque<>());
      registrations.put(node, registration(node, tunnelIp));
      registrationCounts.put(node, 1);
      return new Coordinator() {
        @Override
        public CoordWire.RegisterResponse register() {
          return registrations.get(node);
        }

        @Override
        public int registrations() {
          return registrationCounts.get(node);
        }

        @Override
        public CoordWire.RegisterResponse registration() {
          return registrations.get(node);
        }

        @Override
        public void postEndpoints(List<CoordWire.Endpoint> endpoints, NatType nat) {
          CoordWire.Peer p = peers.get(node);
          peers.put(
              node,
              new CoordWire.Peer(
                  node, disco, name, p.tunnelIp(), endpoints, "t" + ++cursor, nat.wire()));
          broadcast();
        }

        @Override
        public void sendSignal(byte[] to, byte[] sealed) {
          String toDisco = Base64.getEncoder().encodeToString(to);
          var env =
              new CoordWire.Envelope(node, disco, Base64.getEncoder().encodeToString(sealed), "t");
          relayed.add(Map.entry(toDisco, env));
          deliver(toDisco, env);
        }

        @Override
        public void watchPeers(Consumer<CoordWire.PeersResponse> listener) {
          peerWatchers.put(disco, listener);
          broadcast();
        }

        @Override
        public void watchSignals(Consumer<CoordWire.Envelope> listener) {
          signalWatchers.put(disco, listener);
        }

        @Override
        public void close() {}
      };
    }

    private static CoordWire.RegisterResponse registration(String node, String tunnelIp) {
      return new CoordWire.RegisterResponse(
          node, tunnelIp, 24, "100.64.0.0/24", List.of(), "c0", true, 30, null);
    }

    /** Queues {@code env} for the node whose disco key is {@code toDisco} (also a re-delivery). */
    void deliver(String toDisco, CoordWire.Envelope env) {
      mailboxes.get(toDisco).add(() -> signalWatchers.get(toDisco).accept(env));
    }

    /** The node re-registers (its client did, on its own) and now gets {@code tunnelIp}. */
    void reregister(NodeKeys keys, String tunnelIp) {
      String node = Base64.getEncoder().encodeToString(keys.nodePublic());
      registrations.put(node, registration(node, tunnelIp));
      registrationCounts.merge(node, 1, Integer::sum);
    }

    /** Every watcher gets the full list at its next delivery (as a long-poll answer would). */
    private void broadcast() {
      var full = new CoordWire.PeersResponse("c" + cursor, true, List.copyOf(peers.values()), null);
      peerWatchers.forEach((disco, w) -> mailboxes.get(disco).add(() -> w.accept(full)));
    }

    /** Delivers every queued peer list and signal; returns how many. */
    int deliverAll() {
      int n = 0;
      for (Queue<Runnable> box : mailboxes.values()) {
        for (Runnable r; (r = box.poll()) != null; n++) {
          r.run();
        }
      }
      return n;
    }
  }

  record Node(DaemonCore core, FakePlane plane, NodeKeys keys, DaemonMetrics metrics) {}

  /** Wall clock of every node: a fixed epoch plus the fake monotonic clock. */
  static InstantSource wallClock(FakeTicker clock) {
    return () -> Instant.ofEpochMilli(1_700_000_000_000L + clock.nanos() / 1_000_000);
  }

  static Node node(
      FakeCoordinator coordinator,
      Network net,
      FakeTicker clock,
      String name,
      String tunnelIp,
      String address,
      List<GretunException> failures) {
    NodeKeys keys = KeyStore.generate(new SecureRandom());
    Coordinator coord = coordinator.join(name, keys, tunnelIp);
    InetSocketAddress at = new InetSocketAddress(v4(address), 7777);
    FakePlane plane = new FakePlane(net, at);
    DaemonMetrics metrics = new DaemonMetrics(new DataplaneCounters());
    DaemonCore core =
        new DaemonCore(
            new DaemonCore.Parts(
                keys,
                TunnelPool.fromRegistration(coord.registration()),
                List.of(),
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

  private Node node(String name, String tunnelIp, String address) {
    return node(coordinator, net, clock, name, tunnelIp, address, new java.util.ArrayList<>());
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

  /** Steps the clock 50 ms at a time, delivering everything, until both are direct; the time. */
  static Duration stepUntilDirect(
      FakeCoordinator coordinator, Network net, FakeTicker clock, Node a, Node b) {
    Duration elapsed = Duration.ZERO;
    while (!(stateOfOnlyPeer(a).equals("direct") && stateOfOnlyPeer(b).equals("direct"))) {
      assertTrue(
          elapsed.compareTo(Duration.ofSeconds(10)) < 0,
          "not direct after 10 s: a=" + stateOfOnlyPeer(a) + " b=" + stateOfOnlyPeer(b));
      step(coordinator, net, clock, 50, a, b);
      elapsed = elapsed.plusMillis(50);
    }
    return elapsed;
  }

  /** Advances the clock, delivers until quiet, ticks every node. */
  static void step(
      FakeCoordinator coordinator, Network net, FakeTicker clock, long millis, Node... nodes) {
    clock.advanceMillis(millis);
    while (coordinator.deliverAll() + net.deliverAll() > 0) {
      // answers produce more messages; deliver until the step is quiet
    }
    for (Node n : nodes) {
      n.core().tick();
    }
    net.deliverAll();
  }

  @Test
  void twoDaemonsFindEachOtherAndGoDirect() {
    Node a = node("a", "100.64.0.1", "192.0.2.1");
    Node b = node("b", "100.64.0.2", "198.51.100.2");
    Duration elapsed = stepUntilDirect(coordinator, net, clock, a, b);
    assertTrue(elapsed.compareTo(Duration.ofSeconds(2)) < 0, "direct after " + elapsed);
    PeerSnapshot ab = a.core().snapshot().getFirst();
    assertEquals("b", ab.name());
    assertEquals("direct", ab.path());
    assertEquals("198.51.100.2:7777", ab.endpoint());
    assertEquals("192.0.2.1:7777", b.core().snapshot().getFirst().endpoint());
    assertTrue(a.plane().rxPackets() > 0 && b.plane().rxPackets() > 0, "data went both ways");
    assertTrue(a.plane().echoRepliesSent + b.plane().echoRepliesSent > 0, "probes answered");
  }
}
