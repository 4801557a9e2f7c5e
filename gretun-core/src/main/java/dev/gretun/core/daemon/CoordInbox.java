package dev.gretun.core.daemon;

import dev.gretun.core.coord.CoordWire;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the coordinator's watches deliver before the daemon's core exists. {@code Daemon.start}
 * starts the peers watch and the signal pull as soon as the registration answers, so the first peer
 * list is on its way while the data plane opens (docs/DAEMON.md "Start-up phases"); until {@link
 * #attach} every peer list (a delta means nothing without the lists before it) and signal is held
 * here, then handed over in the order it came, and everything after goes straight through.
 *
 * <p>Event loop only: the watches' listeners {@code execute} into it, and {@link #attach} runs as
 * an event-loop task too, so no delivery can overtake the hand-over.
 */
final class CoordInbox {
  private static final Logger log = LoggerFactory.getLogger(CoordInbox.class);

  /**
   * Signals held before the core attaches, at most (the oldest go first). A start whose core takes
   * long enough to see more is one where the oldest call-me-maybes are stale anyway: the peers send
   * them again while they punch. Peer lists are not capped: each needs a new long-poll round trip,
   * and the core attaches a data-plane open after the first.
   */
  static final int MAX_HELD_SIGNALS = 64;

  private final ArrayDeque<Object> held = new ArrayDeque<>(); // PeersResponse or Envelope
  private int heldSignals;
  private long droppedSignals;
  private Consumer<CoordWire.PeersResponse> peers;
  private Consumer<CoordWire.Envelope> signals;

  void peers(CoordWire.PeersResponse r) {
    if (peers != null) {
      peers.accept(r);
    } else {
      held.addLast(r);
    }
  }

  void signal(CoordWire.Envelope e) {
    if (signals != null) {
      signals.accept(e);
      return;
    }
    if (heldSignals == MAX_HELD_SIGNALS) {
      for (Iterator<Object> it = held.iterator(); it.hasNext(); ) {
        if (it.next() instanceof CoordWire.Envelope) {
          it.remove(); // the oldest signal
          break;
        }
      }
      heldSignals--;
      droppedSignals++;
    }
    held.addLast(e);
    heldSignals++;
  }

  /** Hands over what is held, in arrival order, and lets everything after go straight through. */
  void attach(Consumer<CoordWire.PeersResponse> peers, Consumer<CoordWire.Envelope> signals) {
    this.peers = peers;
    this.signals = signals;
    if (droppedSignals > 0) {
      log.warn("early_signals_dropped count={} held={}", droppedSignals, MAX_HELD_SIGNALS);
    }
    while (!held.isEmpty()) {
      switch (held.removeFirst()) {
        case CoordWire.PeersResponse r -> peers.accept(r);
        case CoordWire.Envelope e -> signals.accept(e);
        default -> throw new IllegalStateException("neither a peer list nor a signal");
      }
    }
    heldSignals = 0;
  }
}
