package dev.gretun.core.daemon;

import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.peer.PeerInfo;
import dev.gretun.core.wire.disco.Endpoints;
import dev.gretun.core.wire.gre.PairKey;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peers the coordinator lists, by disco key: their {@link PeerInfo} for the peer table, their
 * names for logs, and the data-plane route each should have ({@link PeerRoute}). Event loop only.
 */
final class PeerDirectory {
  private static final Logger log = LoggerFactory.getLogger(PeerDirectory.class);

  /** The peers now listed (for the peer table) and the disco keys that left. */
  record Update(Map<String, PeerInfo> peers, List<String> removed) {}

  private final byte[] selfDisco;
  private final String selfDiscoB64;
  private final Map<String, CoordWire.Peer> byNodeKey = new HashMap<>();
  private final Map<String, String> names = new HashMap<>();
  private final Map<String, PeerRoute> routes = new LinkedHashMap<>();
  private boolean routesChanged;

  PeerDirectory(byte[] selfDisco) {
    this.selfDisco = selfDisco.clone();
    this.selfDiscoB64 = Base64.getEncoder().encodeToString(selfDisco);
  }

  /** Applies a coordinator answer (full list or delta). */
  Update update(CoordWire.PeersResponse r) {
    if (r.full()) {
      byNodeKey.clear();
    }
    for (String removed : r.removed() == null ? List.<String>of() : r.removed()) {
      byNodeKey.remove(removed);
    }
    for (CoordWire.Peer p : r.peers()) {
      byNodeKey.put(p.nodeKey(), p);
    }
    Map<String, PeerInfo> infos = new HashMap<>();
    for (CoordWire.Peer p : byNodeKey.values()) {
      PeerInfo info = p.discoKey().equals(selfDiscoB64) ? null : toPeerInfo(p);
      if (info != null) {
        infos.put(p.discoKey(), info);
        names.put(p.discoKey(), p.nodeName());
        ensureRoute(p.discoKey(), (Inet4Address) info.tunnelIp());
      }
    }
    List<String> gone = new ArrayList<>();
    for (String peer : new ArrayList<>(routes.keySet())) {
      if (!infos.containsKey(peer)) {
        remove(peer);
        gone.add(peer);
        log.info("peer_removed peer={}", name(peer));
      }
    }
    return new Update(infos, gone);
  }

  private static PeerInfo toPeerInfo(CoordWire.Peer p) {
    InetAddress ip;
    try {
      ip = p.tunnelIp() == null ? null : InetAddress.getByName(p.tunnelIp());
    } catch (UnknownHostException e) {
      return null;
    }
    if (!(ip instanceof Inet4Address)) {
      return null;
    }
    List<InetSocketAddress> eps = new ArrayList<>();
    for (CoordWire.Endpoint e :
        p.endpoints() == null ? List.<CoordWire.Endpoint>of() : p.endpoints()) {
      try {
        InetSocketAddress a = Endpoints.parse(e.addr());
        if (a.getAddress() instanceof Inet4Address && !eps.contains(a)) {
          eps.add(a);
        }
      } catch (IllegalArgumentException bad) {
        log.debug("endpoint_ignored peer={} addr={}", p.nodeName(), e.addr());
      }
    }
    return new PeerInfo(p.nodeName(), ip, eps);
  }

  /** A new peer, or one whose overlay address changed, gets a fresh route without a path. */
  private void ensureRoute(String peer, Inet4Address tunnelIp) {
    PeerRoute existing = routes.get(peer);
    if (existing == null || !existing.tunnelIp().equals(tunnelIp)) {
      int key = PairKey.derive(selfDisco, Base64.getDecoder().decode(peer));
      set(peer, PeerRoute.idle(peer, key, tunnelIp));
    }
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
