package dev.gretun.coord.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.coord.store.CoordStore;
import dev.gretun.coord.store.NodeRecord;
import dev.gretun.coord.store.StoreChanges;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.coord.CoordWire.Peer;
import dev.gretun.core.coord.CoordWire.PeersResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-memory view of the store's nodes, kept current by {@link #refresh} (after every local write,
 * and when the store's version moved because the admin CLI wrote it). Serves peer lists and deltas
 * without touching the store, and wakes long-polls when the version moves.
 *
 * <p>Cursor text: {@code <store id>-<version>}. A cursor from another store (the state was lost or
 * replaced) or from the future gets the full list.
 */
public final class Registry {
  private static final ObjectMapper JSON = CoordWire.mapper();

  private final CoordStore store;
  private final String storeId;
  private long version;
  private final Map<String, NodeRecord> byNode = new HashMap<>();
  private final Map<String, String> nodeByDisco = new HashMap<>();

  /** Latest change version of every live or removed node key -> that key. */
  private final TreeMap<Long, String> changeLog = new TreeMap<>();

  private final Map<String, Long> lastChange = new HashMap<>();
  private final Set<CompletableFuture<Void>> waiters = ConcurrentHashMap.newKeySet();

  /** Serialized peers replies for the current version, keyed by the cursor version (-1 = full). */
  private final Map<Long, byte[]> replyCache = new ConcurrentHashMap<>();

  public Registry(CoordStore store) {
    this.store = store;
    this.storeId = store.storeId();
    refresh();
  }

  /** Pulls changes from the store; wakes waiters when the version moved. */
  public void refresh() {
    List<CompletableFuture<Void>> toWake;
    synchronized (this) {
      StoreChanges ch = store.changesSince(version);
      if (ch.version() == version) {
        return;
      }
      for (NodeRecord n : ch.changed()) {
        NodeRecord old = byNode.put(n.nodeKey(), n);
        if (old != null) {
          nodeByDisco.remove(old.discoKey());
        }
        nodeByDisco.put(n.discoKey(), n.nodeKey());
        logChange(n.nodeKey(), n.version());
      }
      for (StoreChanges.Removal r : ch.removed()) {
        NodeRecord old = byNode.remove(r.nodeKey());
        if (old != null) {
          nodeByDisco.remove(old.discoKey());
        }
        logChange(r.nodeKey(), r.version());
      }
      version = ch.version();
      replyCache.clear();
      toWake = new ArrayList<>(waiters);
      waiters.removeAll(toWake);
    }
    toWake.forEach(f -> f.complete(null));
  }

  private void logChange(String nodeKey, long v) {
    Long prev = lastChange.put(nodeKey, v);
    if (prev != null) {
      changeLog.remove(prev);
    }
    changeLog.put(v, nodeKey);
  }

  public synchronized long version() {
    return version;
  }

  public String cursor() {
    return storeId + "-" + version();
  }

  public synchronized int size() {
    return byNode.size();
  }

  public synchronized Optional<NodeRecord> node(String nodeKey) {
    return Optional.ofNullable(byNode.get(nodeKey));
  }

  /** The node whose node key or disco key is {@code key}. */
  public synchronized Optional<NodeRecord> byNodeOrDisco(String key) {
    NodeRecord n = byNode.get(key);
    if (n == null) {
      String owner = nodeByDisco.get(key);
      n = owner == null ? null : byNode.get(owner);
    }
    return Optional.ofNullable(n);
  }

  /**
   * The version a cursor stands for, or -1 when it must get the full list (missing, malformed, from
   * another store, or newer than what we have).
   */
  public long cursorVersion(String cursor) {
    if (cursor == null || !cursor.startsWith(storeId + "-")) {
      return -1;
    }
    try {
      long v = Long.parseLong(cursor.substring(storeId.length() + 1));
      return v >= 0 && v <= version() ? v : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** A future completed once the version is newer than {@code seen}. */
  public CompletableFuture<Void> awaitChange(long seen) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    synchronized (this) {
      if (version > seen) {
        f.complete(null);
        return f;
      }
      waiters.add(f);
    }
    f.whenComplete((ok, err) -> waiters.remove(f));
    return f;
  }

  /** Completes every waiting long-poll now (shutdown). */
  public void wakeAll() {
    List<CompletableFuture<Void>> all = new ArrayList<>(waiters);
    waiters.removeAll(all);
    all.forEach(f -> f.complete(null));
  }

  /** JSON of the peers reply for a cursor version ({@code -1} = full list), cached per version. */
  public byte[] peersJson(long since) {
    synchronized (this) {
      byte[] cached = replyCache.get(since);
      if (cached != null) {
        return cached;
      }
      byte[] body = toJson(peersResponse(since));
      replyCache.put(since, body);
      return body;
    }
  }

  public synchronized PeersResponse peersResponse(long since) {
    String cursor = storeId + "-" + version;
    if (since < 0) {
      List<Peer> all = byNode.values().stream().sorted(BY_IP).map(Registry::peer).toList();
      return new PeersResponse(cursor, true, all, List.of());
    }
    List<Peer> changed = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    for (String key : changeLog.tailMap(since, false).values()) {
      NodeRecord n = byNode.get(key);
      if (n == null) {
        removed.add(key);
      } else {
        changed.add(peer(n));
      }
    }
    return new PeersResponse(cursor, false, changed, removed);
  }

  public synchronized List<NodeRecord> nodes() {
    return byNode.values().stream().sorted(BY_IP).toList();
  }

  private static final Comparator<NodeRecord> BY_IP =
      Comparator.comparingLong(NodeRecord::tunnelIp);

  public static Peer peer(NodeRecord n) {
    return new Peer(
        n.nodeKey(),
        n.discoKey(),
        n.name(),
        n.tunnelIpText(),
        n.endpoints(),
        n.updatedAt().toString(),
        n.nat());
  }

  private static byte[] toJson(Object o) {
    try {
      return JSON.writeValueAsBytes(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
