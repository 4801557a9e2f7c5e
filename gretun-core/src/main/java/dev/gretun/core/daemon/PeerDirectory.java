package dev.gretun.core.daemon;

import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.peer.PeerInfo;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peers the coordinator lists, by disco key: their {@link PeerInfo} for the peer table, their
 * names for logs, and the data-plane route each should have ({@link PeerRoute}). Only peers that
 * {@link PeerFilter} accepts get a route; its refusals are logged when they change, not on every
 * long-poll answer. Event loop only.
 */
final class PeerDirectory {
  private static final Logger log = LoggerFactory.getLogger(PeerDirectory.class);

  /** The peers now listed (for the peer table) and the disco keys that left. */
  record Update(Map<String, PeerInfo> peers, List<String> removed) {}

  private final PeerFilter filter;
  private final Consumer<String> refusalLog;
  private final Map<String, CoordWire.Peer> byNodeKey = new HashMap<>();
  private final Map<String, String> names = new HashMap<>();
  private final Map<String, PeerRoute> routes = new LinkedHashMap<>();
  private final Map<String, String> nodeKeys = new HashMap<>();
  private InetSocketAddress relay;
  private Set<String> refusalsLogged = Set.of();
  private boolean routesChanged;

  PeerDirectory(PeerFilter filter) {
    this(filter, log::warn);
  }

  /** With {@code refusalLog} receiving each refusal line when it first appears. */
  PeerDirectory(PeerFilter filter, Consumer<String> refusalLog) {
    this.filter = filter;
    this.refusalLog = refusalLog;
  }

  /** Applies a coordinator answer (full list or delta). */
  Update update(CoordWire.PeersResponse r) {
    if (r.full()) {
      byNodeKey.clear();
    }
    for (String removed : r.removed() == null ? List.<String>of() : r.removed()) {
      byNodeKey.remove(removed);
    }
    for (CoordWire.Peer p : r.peers() == null ? List.<CoordWire.Peer>of() : r.peers()) {
      if (p != null && p.nodeKey() != null) {
        byNodeKey.put(p.nodeKey(), p);
      }
    }
    PeerFilter.Result result = filter.filter(byNodeKey.values());
    nodeKeys.clear();
    for (CoordWire.Peer p : byNodeKey.values()) {
      nodeKeys.put(p.discoKey(), p.nodeKey());
    }
    logRefusalsOnChange(result.refusals());
    Map<String, PeerInfo> infos = new HashMap<>();
    for (PeerFilter.Accepted a : result.accepted()) {
      infos.put(a.discoKey(), a.info());
      names.put(a.discoKey(), a.name());
      ensureRoute(a.discoKey(), (Inet4Address) a.info().tunnelIp(), a.greKey());
    }
    List<String> gone = new ArrayList<>();
    for (String peer : new ArrayList<>(routes.keySet())) {
      if (!infos.containsKey(peer)) {
        remove(peer);
        gone.add(peer);
        log.info("peer_removed peer={}", name(peer));
      }
    }
    // Names of peers that just left stay for this batch's logs, then go.
    names.keySet().removeIf(k -> !infos.containsKey(k) && !gone.contains(k));
    return new Update(infos, gone);
  }

  private void logRefusalsOnChange(List<String> refusals) {
    Set<String> now = new LinkedHashSet<>(refusals);
    for (String line : now) {
      if (!refusalsLogged.contains(line)) {
        refusalLog.accept(line);
      }
    }
    refusalsLogged = now;
  }

  /** A new peer, or one whose overlay address or key changed, gets a fresh route without a path. */
  private void ensureRoute(String peer, Inet4Address tunnelIp, int greKey) {
    PeerRoute existing = routes.get(peer);
    if (existing == null || !existing.tunnelIp().equals(tunnelIp) || existing.greKey() != greKey) {
      set(peer, PeerRoute.idle(peer, greKey, tunnelIp).withRelay(relay));
    }
  }

  /**
   * The coordinator's data relay every peer's traffic takes while it has no direct path, or null
   * (no relay: that traffic is dropped).
   */
  void setRelay(InetSocketAddress relay) {
    this.relay = relay;
    for (PeerRoute r : List.copyOf(routes.values())) {
      set(r.peer(), r.withRelay(relay));
    }
  }

  InetSocketAddress relay() {
    return relay;
  }

  /** The node key (base64) of a listed peer, by its disco key, or null. */
  String nodeKey(String peer) {
    return nodeKeys.get(peer);
  }

  boolean isKnown(String peer) {
    return routes.containsKey(peer);
  }

  PeerRoute route(String peer) {
    return routes.get(peer);
  }

  Collection<PeerRoute> routes() {
    return routes.values();
  }

  /** The punch chose {@code endpoint}: send there. */
  void setEndpoint(String peer, InetSocketAddress endpoint) {
    PeerRoute r = routes.get(peer);
    if (r != null) {
      set(peer, r.withEndpoint(endpoint));
    }
  }

  void setSending(String peer, boolean sending) {
    PeerRoute r = routes.get(peer);
    if (r != null) {
      set(peer, r.withSending(sending));
    }
  }

  void remove(String peer) {
    if (routes.remove(peer) != null) {
      routesChanged = true;
    }
  }

  private void set(String peer, PeerRoute route) {
    if (!route.equals(routes.put(peer, route))) {
      routesChanged = true;
    }
  }

  /** True (once) when a route changed since the last call: the data plane needs {@link #routes}. */
  boolean takeRoutesChanged() {
    boolean changed = routesChanged;
    routesChanged = false;
    return changed;
  }

  /** The peer's node name for logs (the disco key's first 8 characters before it is known). */
  String name(String peer) {
    return names.getOrDefault(peer, peer.substring(0, Math.min(8, peer.length())));
  }
}
