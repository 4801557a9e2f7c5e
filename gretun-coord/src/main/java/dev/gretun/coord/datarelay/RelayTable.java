package dev.gretun.coord.datarelay;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Who is bound where, and where a relayed datagram goes. A datagram from source S with GRE key K is
 * forwarded only when S is the bound source of a node X, X listed (peer Y, K) in its bind, and Y is
 * bound and listed (X, K) in its own: both members of the pair must name the same key for each
 * other, so no member can steer another pair's key, nor a key of its own to a node that did not
 * name it. Not thread-safe: the relay's receive thread owns it.
 */
final class RelayTable {
  /** Why a datagram was or was not forwarded (the {@code result} label of the counters). */
  enum Result {
    FORWARDED,
    UNBOUND,
    UNKNOWN_KEY,
    PEER_UNBOUND,
    NOT_MUTUAL,
    RATE_LIMITED;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The decision for one datagram; {@code to} is set only when forwarded. */
  record Forward(Result result, InetSocketAddress to) {}

  private static final class Binding {
    final String node;
    InetSocketAddress source;
    Map<Integer, String> peerByKey = Map.of();
    Map<String, Integer> keyByPeer = Map.of();
    long expiresAt;

    Binding(String node) {
      this.node = node;
    }
  }

  /** A node's rate limits outlive its bindings: re-binding does not refill them. */
  private record Limits(TokenBucket packets, TokenBucket bytes) {}

  private final long packetsPerSecond;
  private final long bytesPerSecond;
  private final long ttlNanos;
  private final Map<String, Binding> byNode = new HashMap<>();
  private final Map<InetSocketAddress, Binding> bySource = new HashMap<>();
  private final Map<String, Limits> limits = new HashMap<>();

  RelayTable(long packetsPerSecond, long bytesPerSecond, long ttlNanos) {
    this.packetsPerSecond = packetsPerSecond;
    this.bytesPerSecond = bytesPerSecond;
    this.ttlNanos = ttlNanos;
  }

  /**
   * Binds {@code node} (already verified) to {@code source} with its pairs ({@code peer node key →
   * GRE key}, keys unique). Returns false, changing nothing, when another node's live binding holds
   * {@code source}: a member that spoofs another's source address must not unbind it.
   */
  boolean bind(String node, InetSocketAddress source, Map<String, Integer> keyByPeer, long now) {
    Binding holder = bySource.get(source);
    if (holder != null && !holder.node.equals(node)) {
      if (now - holder.expiresAt <= 0) {
        return false;
      }
      byNode.remove(holder.node);
      bySource.remove(source);
    }
    Binding b = byNode.computeIfAbsent(node, Binding::new);
    if (b.source != null && !b.source.equals(source)) {
      bySource.remove(b.source);
    }
    bySource.put(source, b);
    b.source = source;
    b.keyByPeer = Map.copyOf(keyByPeer);
    Map<Integer, String> peers = new HashMap<>();
    keyByPeer.forEach((peer, key) -> peers.put(key, peer));
    b.peerByKey = Map.copyOf(peers);
    b.expiresAt = now + ttlNanos;
    limits.computeIfAbsent(
        node,
        n ->
            new Limits(
                new TokenBucket(packetsPerSecond, now), new TokenBucket(bytesPerSecond, now)));
    return true;
  }

  /** Where a keyed GRE datagram of {@code length} bytes from {@code source} goes, if anywhere. */
  Forward forward(InetSocketAddress source, int greKey, int length, long now) {
    Binding from = bySource.get(source);
    if (from == null || now - from.expiresAt > 0) {
      return new Forward(Result.UNBOUND, null);
    }
    String peer = from.peerByKey.get(greKey);
    if (peer == null) {
      return new Forward(Result.UNKNOWN_KEY, null);
    }
    Binding to = byNode.get(peer);
    if (to == null || to.source == null || now - to.expiresAt > 0) {
      return new Forward(Result.PEER_UNBOUND, null);
    }
    Integer back = to.keyByPeer.get(from.node);
    if (back == null || back != greKey) {
      return new Forward(Result.NOT_MUTUAL, null);
    }
    Limits l = limits.get(from.node);
    if (!l.packets().take(1, now) || !l.bytes().take(length, now)) {
      return new Forward(Result.RATE_LIMITED, null);
    }
    return new Forward(Result.FORWARDED, to.source);
  }

  /** Drops bindings not refreshed in time; returns how many went. */
  int expire(long now) {
    int before = byNode.size();
    byNode
        .values()
        .removeIf(
            b -> {
              if (now - b.expiresAt > 0) {
                bySource.remove(b.source, b);
                return true;
              }
              return false;
            });
    limits.keySet().retainAll(byNode.keySet());
    return before - byNode.size();
  }

  int bindings() {
    return byNode.size();
  }

  /** The source {@code node} is bound to, or null. */
  InetSocketAddress sourceOf(String node) {
    Binding b = byNode.get(node);
    return b == null ? null : b.source;
  }
}
