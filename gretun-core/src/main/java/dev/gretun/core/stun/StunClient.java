package dev.gretun.core.stun;

import dev.gretun.core.stun.StunResult.Status;
import dev.gretun.core.util.Ticker;
import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.stun.Stun;
import dev.gretun.core.wire.stun.StunMessage;
import dev.gretun.core.wire.stun.TransactionId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

/**
 * A STUN Binding transaction engine that owns no socket: it sends through a {@link PacketSender}
 * and is fed inbound datagrams by the caller's receive loop ({@link #offer}), so it works on the
 * daemon's port-P socket (userspace) or raw/packet sockets (kernel mode) alike. Time comes from an
 * injected nanosecond clock; the caller calls {@link #poll()} at {@link #nextWakeupNanos()}.
 *
 * <p>Retransmission follows RFC 8489 §6.2.1: the first RTO is 500 ms and doubles after each
 * transmission, at most Rc = 7 transmissions, then the client waits Rm = 16 × the first RTO (sends
 * at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; gives up at 39.5 s), or earlier at the caller's deadline.
 * A response counts only if its transaction id is pending AND it comes from the address the request
 * went to (upstream accepted replies from anywhere).
 *
 * <p>Not thread-safe: confine an instance to one thread (the event loop that owns the socket).
 */
public final class StunClient {

  /** Sends one datagram; implemented by whoever owns the socket. */
  @FunctionalInterface
  public interface PacketSender {
    void send(byte[] payload, InetSocketAddress to) throws IOException;
  }

  /**
   * Retransmission parameters (RFC 8489 §6.2.1).
   *
   * @param initialRto first retransmission timeout (RFC default 500 ms)
   * @param maxTransmissions Rc, total transmissions (RFC default 7)
   * @param finalWaitMultiplier Rm: after the last transmission wait Rm × initialRto (default 16)
   */
  public record Timing(Duration initialRto, int maxTransmissions, int finalWaitMultiplier) {
    public Timing {
      if (initialRto.isNegative() || initialRto.isZero() || maxTransmissions < 1) {
        throw new IllegalArgumentException("RTO must be positive and Rc at least 1");
      }
      if (finalWaitMultiplier < 1) {
        throw new IllegalArgumentException("Rm must be at least 1");
      }
    }

    public static Timing defaults() {
      return new Timing(Duration.ofMillis(500), 7, 16);
    }
  }

  private static final class Transaction {
    final InetSocketAddress server;
    final byte[] request;
    final CompletableFuture<StunResult> result = new CompletableFuture<>();
    final long firstSentAt;
    final long giveUpAt;
    long rto;
    long nextSendAt;
    int sent;

    Transaction(InetSocketAddress server, byte[] request, long now, long giveUpAt, long rto) {
      this.server = server;
      this.request = request;
      this.firstSentAt = now;
      this.giveUpAt = giveUpAt;
      this.rto = rto;
    }
  }

  private final PacketSender sender;
  private final RandomGenerator random;
  private final Timing timing;
  private final Ticker ticker;
  private final Map<TransactionId, Transaction> pending = new HashMap<>();

  /**
   * @param random source of transaction ids; use {@link java.security.SecureRandom} in production
   * @param ticker the monotonic clock
   */
  public StunClient(PacketSender sender, RandomGenerator random, Timing timing, Ticker ticker) {
    this.sender = sender;
    this.random = random;
    this.timing = timing;
    this.ticker = ticker;
  }

  /**
   * Sends a Binding request to {@code server} now and tracks it until a response, the RFC
   * schedule's end or {@code deadlineNanos} (same clock), whichever comes first. The future
   * completes inside {@link #offer} or {@link #poll}, on the caller's thread; it never completes
   * exceptionally.
   */
  public CompletableFuture<StunResult> start(InetSocketAddress server, long deadlineNanos) {
    if (server.isUnresolved()) {
      throw new IllegalArgumentException("unresolved STUN server " + server);
    }
    long now = ticker.nanos();
    TransactionId tx;
    do {
      tx = TransactionId.random(random);
    } while (pending.containsKey(tx));
    long rto = timing.initialRto().toNanos();
    long scheduleEnd = now + scheduleLength(rto);
    Transaction t =
        new Transaction(
            server,
            StunMessage.bindingRequest(tx).encode(),
            now,
            Math.min(scheduleEnd, deadlineNanos),
            rto);
    pending.put(tx, t);
    if (!transmit(t, now)) {
      pending.remove(tx);
    }
    return t.result;
  }

  private long scheduleLength(long rto) {
    long total = 0;
    long r = rto;
    for (int i = 1; i < timing.maxTransmissions(); i++) {
      total += r;
      r *= 2;
    }
    return total + timing.finalWaitMultiplier() * rto;
  }

  /**
   * Offers an inbound datagram. Returns true if it was a response to one of our pending
   * transactions (it is consumed, even if malformed); false means it is not ours and the caller
   * handles it (disco, GRE, or a drop).
   */
  public boolean offer(byte[] buf, int off, int len, InetSocketAddress from) {
    if (pending.isEmpty() || !StunMessage.looksLike(buf, off, len)) {
      return false;
    }
    TransactionId tx = StunMessage.peekTransactionId(buf, off);
    Transaction t = pending.get(tx);
    if (t == null || !t.server.equals(from)) {
      return false;
    }
    StunMessage msg;
    try {
      msg = StunMessage.parse(buf, off, len);
    } catch (WireFormatException e) {
      return true; // ours by id and source but malformed: keep waiting for a good copy
    }
    if (msg.type() != Stun.BINDING_SUCCESS && msg.type() != Stun.BINDING_ERROR) {
      return true;
    }
    pending.remove(tx);
    Duration rtt = Duration.ofNanos(ticker.nanos() - t.firstSentAt);
    String software = msg.software().orElse(null);
    if (msg.type() == Stun.BINDING_SUCCESS && msg.mappedAddress().isPresent()) {
      t.result.complete(
          new StunResult(t.server, Status.MAPPED, msg.mappedAddress().get(), null, rtt, software));
    } else {
      String detail =
          msg.errorCode()
              .map(e -> "STUN error " + e.code() + " " + e.reason())
              .orElse("response without a mapped address");
      t.result.complete(
          new StunResult(t.server, Status.ERROR_RESPONSE, null, detail, rtt, software));
    }
    return true;
  }

  /** Retransmits what is due and times out what is over; call at {@link #nextWakeupNanos()}. */
  public void poll() {
    long now = ticker.nanos();
    Iterator<Map.Entry<TransactionId, Transaction>> it = pending.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<TransactionId, Transaction> e = it.next();
      Transaction t = e.getValue();
      if (now - t.giveUpAt >= 0) {
        it.remove();
        t.result.complete(
            new StunResult(
                t.server,
                Status.TIMEOUT,
                null,
                "no response after " + t.sent + " transmissions",
                Duration.ZERO,
                null));
      } else if (t.sent < timing.maxTransmissions()
          && now - t.nextSendAt >= 0
          && !transmit(t, now)) {
        it.remove();
      }
    }
  }

  /** When {@link #poll()} next has work, on the injected clock; {@link Long#MAX_VALUE} if idle. */
  public long nextWakeupNanos() {
    long next = Long.MAX_VALUE;
    for (Transaction t : pending.values()) {
      next = Math.min(next, t.giveUpAt);
      if (t.sent < timing.maxTransmissions()) {
        next = Math.min(next, t.nextSendAt);
      }
    }
    return next;
  }

  /** Number of transactions still waiting. */
  public int pending() {
    return pending.size();
  }

  /** Sends (or re-sends) a request; false if sending failed (the caller drops the transaction). */
  private boolean transmit(Transaction t, long now) {
    try {
      sender.send(t.request, t.server);
    } catch (IOException e) {
      t.result.complete(
          new StunResult(
              t.server,
              Status.SEND_FAILED,
              null,
              String.valueOf(e.getMessage()),
              Duration.ZERO,
              null));
      return false;
    }
    t.sent++;
    t.nextSendAt = now + t.rto;
    t.rto *= 2;
    return true;
  }
}
