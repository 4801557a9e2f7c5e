package dev.gretun.core.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.dataplane.Dataplane;
import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.dataplane.DiscoStunPacket;
import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.dataplane.PeerTraffic;
import dev.gretun.core.keys.KeyStore;
import dev.gretun.core.keys.NodeKeys;
import dev.gretun.core.peer.PeerSnapshot;
import dev.gretun.core.peer.PeerTimings;
import dev.gretun.core.util.FakeTicker;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
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
    private record Datagram(InetSocketAddress from, InetSocketAddress to, Object payload) {}

    /** A GRE packet: the pair key and the inner IPv4 packet. */
    record Gre(int key, byte[] inner) {}

    private final Map<InetSocketAddress, FakePlane> planes = new HashMap<>();
    private final Queue<Datagram> inFlight = new ArrayDeque<>();

    void send(InetSocketAddress from, InetSocketAddress to, Object payload) {
      inFlight.add(new Datagram(from, to, payload));
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
        out.put(peer, new PeerTraffic(c[0], c[1], c[2], c[3], seen, null));
      }
      return out;
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
    private int cursor;

    Coordinator join(String name, NodeKeys keys, String tunnelIp) {
      String node = Base64.getEncoder().encodeToString(keys.nodePublic());
      String disco = Base64.getEncoder().encodeToString(keys.discoPublic());
      peers.put(node, new CoordWire.Peer(node, disco, name, tunnelIp, List.of(), "t0"));
      mailboxes.put(disco, new ArrayDeque<>());
      return new Coordinator() {
        @Override
        public CoordWire.RegisterResponse register() {
          return new CoordWire.RegisterResponse(
              node, tunnelIp, 24, "100.64.0.0/24", List.of(), "c0", true, 30);
        }

        @Override
        public int registrations() {
          return 1;
        }

        @Override
        public void postEndpoints(List<CoordWire.Endpoint> endpoints) {
          peers.put(
              node, new CoordWire.Peer(node, disco, name, tunnelIp, endpoints, "t" + ++cursor));
          broadcast();
        }

        @Override
        public void sendSignal(byte[] to, byte[] sealed) {
          String toDisco = Base64.getEncoder().encodeToString(to);
          var env =
              new CoordWire.Envelope(node, disco, Base64.getEncoder().encodeToString(sealed), "t");
          mailboxes.get(toDisco).add(() -> signalWatchers.get(toDisco).accept(env));
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

  private record Node(DaemonCore core, FakePlane plane) {}

  private Node node(String name, String tunnelIp, String address) {
    NodeKeys keys = KeyStore.generate(new SecureRandom());
    Coordinator coord = coordinator.join(name, keys, tunnelIp);
    InetSocketAddress at = new InetSocketAddress(v4(address), 7777);
    FakePlane plane = new FakePlane(net, at);
    DaemonCore core =
        new DaemonCore(
            new DaemonCore.Parts(
                keys,
                v4(tunnelIp),
                List.of(),
                coord,
                plane,
                clock,
                PeerTimings.defaults(),
                new DaemonMetrics(new DataplaneCounters()),
                port -> List.of(at),
                Runnable::run,
                Runnable::run));
    plane.start(
        p -> {
          core.onDiscoStun(p);
          return true;
        });
    coord.watchPeers(core::onPeers);
    coord.watchSignals(core::onSignal);
    core.refreshEndpoints();
    return new Node(core, plane);
  }

  private static Inet4Address v4(String s) {
    try {
      return (Inet4Address) InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static String stateOfOnlyPeer(Node n) {
    List<PeerSnapshot> rows = n.core().snapshot();
    return rows.size() == 1 ? rows.getFirst().state() : "peers=" + rows.size();
  }

  @Test
  void twoDaemonsFindEachOtherAndGoDirect() {
    Node a = node("a", "100.64.0.1", "192.0.2.1");
    Node b = node("b", "100.64.0.2", "198.51.100.2");
    Duration elapsed = Duration.ZERO;
    while (!(stateOfOnlyPeer(a).equals("direct") && stateOfOnlyPeer(b).equals("direct"))) {
      assertTrue(
          elapsed.compareTo(Duration.ofSeconds(10)) < 0,
          "not direct after 10 s: a=" + stateOfOnlyPeer(a) + " b=" + stateOfOnlyPeer(b));
      clock.advanceMillis(50);
      elapsed = elapsed.plusMillis(50);
      while (coordinator.deliverAll() + net.deliverAll() > 0) {
        // answers produce more messages; deliver until the step is quiet
      }
      a.core().tick();
      b.core().tick();
      net.deliverAll();
    }
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
