package dev.gretun.core.peer;

import dev.gretun.core.wire.disco.DiscoTxId;
import java.net.InetSocketAddress;
import java.time.Duration;
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
  record SendPing(InetSocketAddress to, DiscoTxId tx, Integer ttl) implements PeerAction {
    public SendPing {
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(tx, "tx");
    }
  }

  /** Answer a ping: send a pong echoing {@code tx} to {@code to}, telling it we saw it as src. */
  record SendPong(InetSocketAddress to, DiscoTxId tx, InetSocketAddress src)
      implements PeerAction {}

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
