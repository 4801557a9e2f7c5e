package dev.gretun.core.peer;

import dev.gretun.core.wire.disco.DiscoTxId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Outputs of a {@link PeerMachine}, in the order the daemon must carry them out. The machine does
 * no I/O itself.
 */
public sealed interface PeerAction {

  /**
   * Send a disco ping from port P to {@code to}.
   *
   * @param ttl the IP TTL for this datagram, or null for the socket's default (the low-TTL opener
   *     uses a small value, docs/NAT-TRAVERSAL.md §3.1)
   */
  record SendPing(InetSocketAddress to, DiscoTxId tx, Integer ttl, int socket)
      implements PeerAction {
    public SendPing {
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(tx, "tx");
    }

    /** A ping from port P. */
    public SendPing(InetSocketAddress to, DiscoTxId tx, Integer ttl) {
      this(to, tx, ttl, 0);
    }
  }

  /**
   * Answer a ping: send a pong echoing {@code tx} to {@code to}, telling it we saw it as src, from
   * the socket the ping arrived on ({@code socket}: 0 = port P, else a birthday punch's extra
   * socket).
   */
  record SendPong(InetSocketAddress to, DiscoTxId tx, InetSocketAddress src, int socket)
      implements PeerAction {
    /** A pong from port P. */
    public SendPong(InetSocketAddress to, DiscoTxId tx, InetSocketAddress src) {
      this(to, tx, src, 0);
    }
  }

  /**
   * Birthday punch, hard side (docs/DAEMON.md, "Birthday punch"): open {@code sockets} extra UDP
   * sockets and send one disco ping from each to every one of {@code targets} with IP TTL {@code
   * ttl} (low: it opens our NAT only and never reaches the peer's, which it would poison).
   */
  record BirthdaySpray(List<InetSocketAddress> targets, int sockets, int ttl)
      implements PeerAction {
    public BirthdaySpray {
      targets = List.copyOf(targets);
    }
  }

  /** Birthday punch, easy side: starts probing random ports of {@code addresses} (for the log). */
  record BirthdayProbing(List<InetAddress> addresses) implements PeerAction {
    public BirthdayProbing {
      addresses = List.copyOf(addresses);
    }
  }

  /** Birthday punch, easy side: one probe, a disco ping from P to a random port. */
  record BirthdayProbe(InetSocketAddress to, DiscoTxId tx) implements PeerAction {}

  /**
   * Birthday punch, hard side: the peer's probe reached extra socket {@code socket}: it becomes the
   * peer's data socket, the others close at once.
   */
  record BirthdayWon(int socket) implements PeerAction {}

  /**
   * A birthday attempt ended: {@code result} is {@code direct} (a probe got through) or {@code
   * timeout}; {@code probes} is how many this side sent. On timeout the extra sockets close.
   */
  record BirthdayEnded(String result, int probes) implements PeerAction {}

  /** Send a call_me_maybe with our current endpoints to the peer via the coordinator relay. */
  record SendCallMeMaybe() implements PeerAction {}

  /** Point the data plane for this peer at {@code endpoint} (create or retarget the path). */
  record ConfigureDirectPath(InetSocketAddress endpoint) implements PeerAction {}

  /**
   * Stop sending on the direct path (kernel: link down; userspace: drop the peer's packets) so a
   * dead mapping is not kept alive by our own traffic (docs/NAT-TRAVERSAL.md §3.6).
   */
  record SuspendPath() implements PeerAction {}

  /** Undo {@link SuspendPath}: the path configured last carries traffic again. */
  record ResumePath() implements PeerAction {}

  /**
   * No direct path (punching failed or the path was lost): traffic for this peer goes through the
   * coordinator's data relay when there is one, else it is dropped, until a direct path comes back.
   */
  record NoPath(String reason) implements PeerAction {}

  /**
   * Send a data-path probe (an ICMP echo between the two overlay addresses) through the path just
   * configured: the answer coming back as inbound data confirms the data path itself.
   */
  record SendDataProbe() implements PeerAction {}

  /** The peer is gone from the coordinator: remove every data-plane trace of it. */
  record RemovePeer() implements PeerAction {}

  /** For logs and metrics: the state changed. */
  record Transition(PeerState from, PeerState to, String reason) implements PeerAction {}

  /** For the punch-duration histogram: entering punching to direct. */
  record PunchSucceeded(Duration duration, InetSocketAddress endpoint) implements PeerAction {}

  /** For a drop counter: a pong that answers no ping we sent to that address (or too late). */
  record PongRejected(InetSocketAddress from, String reason) implements PeerAction {}
}
