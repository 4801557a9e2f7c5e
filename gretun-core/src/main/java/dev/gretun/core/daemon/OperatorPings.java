package dev.gretun.core.daemon;

import dev.gretun.core.peer.PeerSnapshot;
import dev.gretun.core.util.Ticker;
import dev.gretun.core.wire.disco.DiscoTxId;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Disco pings an operator asked for ({@code gretun ping PEER}), kept apart from the peer machines'
 * own pings: their pongs complete the waiting request and never reach the peer table. A pong counts
 * only from the peer the ping was sealed for and from the endpoint it was sent to. Event loop only.
 */
final class OperatorPings {
  /** At most this many operator pings wait at once (the local API allows 8 connections). */
  static final int MAX_PENDING = 16;

  private record Pending(
      String peer,
      InetSocketAddress to,
      long sentNanos,
      PingReply base,
      CompletableFuture<PingReply> done) {}

  private final Ticker ticker;
  private final Map<DiscoTxId, Pending> pending = new HashMap<>();

  OperatorPings(Ticker ticker) {
    this.ticker = ticker;
  }

  /** Registers a ping just sent to {@code to}; its future completes with the pong. */
  CompletableFuture<PingReply> sent(
      DiscoTxId tx, String peer, InetSocketAddress to, PingReply base) {
    if (pending.size() >= MAX_PENDING) {
      throw new IllegalArgumentException("busy: too many pings waiting for a pong");
    }
    CompletableFuture<PingReply> done = new CompletableFuture<>();
    pending.put(tx, new Pending(peer, to, ticker.nanos(), base, done));
    return done;
  }

  /** True when the pong answered an operator ping (and is consumed here). */
  boolean onPong(String sender, DiscoTxId tx, InetSocketAddress from) {
    Pending p = pending.get(tx);
    if (p == null || !p.peer().equals(sender) || !p.to().equals(from)) {
      return false;
    }
    pending.remove(tx);
    double rtt = Math.round((ticker.nanos() - p.sentNanos()) / 1e3) / 1e3;
    PingReply b = p.base();
    p.done()
        .complete(
            new PingReply(
                b.peer(), b.key(), b.tunnelIp(), b.state(), "direct", b.endpoint(), rtt, null));
    return true;
  }

  /** Gives up on {@code tx} (its caller timed out). */
  void forget(DiscoTxId tx) {
    pending.remove(tx);
  }

  /** The snapshot row as the base of a reply. */
  static PingReply base(PeerSnapshot s) {
    return new PingReply(
        s.name(), s.key(), s.tunnelIp(), s.state(), s.path(), s.endpoint(), null, null);
  }
}
