package dev.gretun.core.netcheck;

import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.stun.Stun;
import dev.gretun.core.wire.stun.StunMessage;
import dev.gretun.core.wire.stun.TransactionId;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * One UDP socket and the STUN transactions netcheck runs on it: requests are resent every {@link
 * #RESEND} until answered or the deadline; a reply counts only when its transaction id is pending
 * and its source passes the transaction's check. Anything else that arrives is dropped, except a
 * datagram carrying an id registered with {@link #expect} (the hairpin test).
 */
final class ProbeSocket implements AutoCloseable {
  static final Duration RESEND = Duration.ofMillis(250);
  private static final int MAX_DATAGRAM = 2048;

  private record Pending(byte[] request, InetSocketAddress to, Predicate<InetSocketAddress> from) {}

  private final DatagramSocket socket;
  private final RandomGenerator random;
  private final Map<TransactionId, Pending> pending = new LinkedHashMap<>();
  private final Map<TransactionId, StunMessage> answers = new HashMap<>();
  private TransactionId expected;
  private boolean expectedSeen;

  ProbeSocket(InetSocketAddress bind, RandomGenerator random) throws IOException {
    this.socket = new DatagramSocket(bind);
    this.random = random;
  }

  int localPort() {
    return socket.getLocalPort();
  }

  /** Queues {@code request} (built for a fresh id) to {@code to}; returns the id. */
  TransactionId add(
      java.util.function.Function<TransactionId, StunMessage> request,
      InetSocketAddress to,
      Predicate<InetSocketAddress> acceptFrom) {
    TransactionId tx = TransactionId.random(random);
    pending.put(tx, new Pending(request.apply(tx).encode(), to, acceptFrom));
    return tx;
  }

  /** The success response to {@code tx}, or null. */
  StunMessage answer(TransactionId tx) {
    return answers.get(tx);
  }

  /** Watches for an inbound datagram carrying {@code tx} from anywhere (see {@link #run}). */
  void expect(TransactionId tx) {
    expected = tx;
    expectedSeen = false;
  }

  boolean expectedSeen() {
    return expectedSeen;
  }

  /** Sends one datagram now, outside the transaction machinery. */
  void sendOnce(byte[] payload, InetSocketAddress to) {
    try {
      socket.send(new DatagramPacket(payload, payload.length, to));
    } catch (IOException e) {
      // an unreachable destination is an observation, not a failure
    }
  }

  /** Runs the queued transactions until all are answered (and the expected id seen) or timeout. */
  void run(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long nextSend = System.nanoTime();
    byte[] buf = new byte[MAX_DATAGRAM];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    while (!(pending.isEmpty() && (expected == null || expectedSeen))) {
      long now = System.nanoTime();
      if (now >= deadline) {
        break;
      }
      if (now >= nextSend) {
        for (Pending t : pending.values()) {
          sendOnce(t.request(), t.to());
        }
        nextSend = now + RESEND.toNanos();
      }
      long waitMs = Math.max(1, (Math.min(nextSend, deadline) - now) / 1_000_000);
      socket.setSoTimeout((int) Math.min(waitMs, Integer.MAX_VALUE));
      p.setLength(buf.length);
      try {
        socket.receive(p);
      } catch (SocketTimeoutException e) {
        continue;
      }
      offer(buf, p.getLength(), (InetSocketAddress) p.getSocketAddress());
    }
  }

  private void offer(byte[] buf, int len, InetSocketAddress from) {
    if (!StunMessage.looksLike(buf, 0, len)) {
      return;
    }
    TransactionId tx = StunMessage.peekTransactionId(buf, 0);
    if (tx.equals(expected)) {
      expectedSeen = true;
      return;
    }
    Pending t = pending.get(tx);
    if (t == null || !t.from().test(from)) {
      return;
    }
    try {
      StunMessage m = StunMessage.parse(buf, 0, len);
      if (m.type() == Stun.BINDING_SUCCESS && m.mappedAddress().isPresent()) {
        pending.remove(tx);
        answers.put(tx, m);
      }
    } catch (WireFormatException e) {
      // malformed: keep waiting for a good copy
    }
  }

  @Override
  public void close() {
    socket.close();
  }
}
