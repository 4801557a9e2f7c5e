package dev.gretun.core.daemon;

import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.keys.NodeKeys;
import dev.gretun.core.netcheck.NatType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.function.Consumer;

/**
 * One coordinator for every node, in memory: registrations, full peer lists, signal mailboxes;
 * everything queued is delivered when {@link #deliverAll} is called.
 */
final class InMemoryCoordinator {
  private final Map<String, CoordWire.Peer> peers = new LinkedHashMap<>();
  private final Map<String, Queue<Runnable>> mailboxes = new HashMap<>();
  private final Map<String, Consumer<CoordWire.PeersResponse>> peerWatchers = new HashMap<>();
  private final Map<String, Consumer<CoordWire.Envelope>> signalWatchers = new HashMap<>();
  private final Map<String, CoordWire.RegisterResponse> registrations = new HashMap<>();
  private final Map<String, Integer> registrationCounts = new HashMap<>();

  /** Every envelope relayed so far, as delivered (what a curious coordinator keeps). */
  final List<Map.Entry<String, CoordWire.Envelope>> relayed = new ArrayList<>();

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
