package dev.gretun.core.daemon;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Freshness of opened disco envelopes, per peer: the body's send time must be within {@value
 * #WINDOW_MILLIS} ms of our clock (either way; exactly the window passes), and the envelope's nonce
 * must not have been seen inside the window. Memory is bounded per peer: beyond {@value
 * #MAX_REMEMBERED} nonces the oldest is forgotten and every envelope sent no later than it is
 * refused from then on, so forgetting never lets a replay through. Only envelopes that opened with
 * a known peer's key get here, so nobody without that key can fill the memory. Event loop only.
 */
final class DiscoReplayGuard {
  static final long WINDOW_MILLIS = 60_000;
  static final int MAX_REMEMBERED = 1024;

  enum Verdict {
    FRESH,
    STALE,
    FUTURE,
    REPLAYED
  }

  private record Nonce(long a, long b, long c) {
    static Nonce of(byte[] n) {
      ByteBuffer bb = ByteBuffer.wrap(n);
      return new Nonce(bb.getLong(), bb.getLong(), bb.getLong());
    }
  }

  private record Seen(long sentAt, Nonce nonce) {}

  private static final class PeerMemory {
    final Set<Nonce> nonces = new HashSet<>();
    final PriorityQueue<Seen> bySendTime =
        new PriorityQueue<>((x, y) -> Long.compare(x.sentAt(), y.sentAt()));
    long floor = Long.MIN_VALUE; // envelopes sent at or before this are refused

    void expire(long before) {
      while (!bySendTime.isEmpty() && bySendTime.peek().sentAt() < before) {
        nonces.remove(bySendTime.poll().nonce());
      }
    }

    boolean remember(long sentAt, Nonce nonce) {
      if (sentAt <= floor || !nonces.add(nonce)) {
        return false;
      }
      bySendTime.add(new Seen(sentAt, nonce));
      if (bySendTime.size() > MAX_REMEMBERED) {
        Seen oldest = bySendTime.poll();
        nonces.remove(oldest.nonce());
        floor = Math.max(floor, oldest.sentAt());
      }
      return true;
    }
  }

  private final Map<String, PeerMemory> peers = new HashMap<>();

  /** Checks, and on {@link Verdict#FRESH} remembers, one envelope of {@code peer}. */
  Verdict check(String peer, long sentAtMillis, byte[] nonce, long nowMillis) {
    if (sentAtMillis < nowMillis - WINDOW_MILLIS) {
      return Verdict.STALE;
    }
    if (sentAtMillis > nowMillis + WINDOW_MILLIS) {
      return Verdict.FUTURE;
    }
    PeerMemory m = peers.computeIfAbsent(peer, k -> new PeerMemory());
    m.expire(nowMillis - WINDOW_MILLIS);
    return m.remember(sentAtMillis, Nonce.of(nonce)) ? Verdict.FRESH : Verdict.REPLAYED;
  }

  /**
   * Forgets what has aged out of the window, and peers with nothing left. A peer that left the peer
   * list is kept until then: forgetting it at once would let a coordinator that drops and re-adds a
   * peer reset its replay memory.
   */
  void expire(long nowMillis) {
    long before = nowMillis - WINDOW_MILLIS;
    peers
        .values()
        .removeIf(
            m -> {
              m.expire(before);
              return m.nonces.isEmpty() && m.floor < before;
            });
  }

  int remembered(String peer) {
    PeerMemory m = peers.get(peer);
    return m == null ? 0 : m.nonces.size();
  }
}
