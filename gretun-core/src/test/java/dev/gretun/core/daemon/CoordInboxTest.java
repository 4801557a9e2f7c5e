package dev.gretun.core.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gretun.core.coord.CoordWire;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link CoordInbox}: what the watches deliver before the core exists reaches it in arrival order
 * (deltas after the full list they amend), later deliveries go straight through, and the held
 * signals are capped with the oldest dropped first.
 */
class CoordInboxTest {
  private static CoordWire.PeersResponse peers(String cursor, boolean full) {
    return new CoordWire.PeersResponse(cursor, full, List.of(), List.of());
  }

  private static CoordWire.Envelope signal(String sealed) {
    return new CoordWire.Envelope("node", "disco", sealed, "2026-12-07T00:00:00Z");
  }

  private final List<Object> delivered = new ArrayList<>();
  private final CoordInbox inbox = new CoordInbox();

  private void attach() {
    inbox.attach(delivered::add, delivered::add);
  }

  @Test
  void heldDeliveriesReachTheCoreInArrivalOrderThenTheRestGoesStraightThrough() {
    CoordWire.PeersResponse full = peers("1", true);
    CoordWire.Envelope cmm = signal("a");
    CoordWire.PeersResponse delta = peers("2", false);
    inbox.peers(full);
    inbox.signal(cmm);
    inbox.peers(delta);
    assertEquals(List.of(), delivered, "nothing reaches a core that is not attached");

    attach();
    assertEquals(List.of(full, cmm, delta), delivered);

    CoordWire.Envelope later = signal("b");
    CoordWire.PeersResponse laterPeers = peers("3", false);
    inbox.signal(later);
    inbox.peers(laterPeers);
    assertEquals(List.of(full, cmm, delta, later, laterPeers), delivered);
  }

  @Test
  void heldSignalsAreCappedDroppingTheOldestButNoPeerList() {
    CoordWire.PeersResponse full = peers("1", true);
    inbox.peers(full);
    List<CoordWire.Envelope> sent = new ArrayList<>();
    for (int i = 0; i < CoordInbox.MAX_HELD_SIGNALS + 3; i++) {
      CoordWire.Envelope e = signal("s" + i);
      sent.add(e);
      inbox.signal(e);
    }
    CoordWire.PeersResponse delta = peers("2", false);
    inbox.peers(delta);

    attach();
    List<Object> expected = new ArrayList<>();
    expected.add(full);
    expected.addAll(sent.subList(3, sent.size()));
    expected.add(delta);
    assertEquals(expected, delivered);
  }
}
