package dev.gretun.core.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.GretunException;
import dev.gretun.core.daemon.ConnectRehearsal.Node;
import dev.gretun.core.util.FakeTicker;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@link DaemonCore#tick()} says about the next tick (50 ms while punching, 250 ms while data
 * moves, 1 s otherwise), and that a direct path between two cores stays up on the slow tick alone.
 * Fake clock and in-memory planes from {@link TwoDaemonsTest}.
 */
class TickPaceTest {
  private final FakeTicker clock = new FakeTicker();
  private final InMemoryNetwork net = new InMemoryNetwork();
  private final InMemoryCoordinator coordinator = new InMemoryCoordinator();
  private final List<GretunException> failures = new ArrayList<>();

  private Node node(String name, String tunnelIp, String address) {
    return ConnectRehearsal.node(coordinator, net, clock, name, tunnelIp, address, failures);
  }

  /** Advances the clock, delivers until quiet, ticks both; the faster pace of the two. */
  private TickPace step(long millis, Node a, Node b) {
    clock.advanceMillis(millis);
    while (coordinator.deliverAll() + net.deliverAll() > 0) {
      // answers produce more messages; deliver until the step is quiet
    }
    TickPace pa = a.core().tick();
    TickPace pb = b.core().tick();
    net.deliverAll();
    return pa.compareTo(pb) <= 0 ? pa : pb;
  }

  private int discoDatagramsSent() {
    return (int) net.sent.stream().filter(d -> d.payload() instanceof byte[]).count();
  }

  @Test
  void fastWhilePunchingIdleOnceDirectAndQuiet() {
    Node a = node("a", "100.64.0.1", "192.0.2.1");
    Node b = node("b", "100.64.0.2", "198.51.100.2");
    assertEquals(TickPace.FAST, step(50, a, b), "the first tick sees peers punching");
    ConnectRehearsal.stepUntilDirect(coordinator, net, clock, a, b);
    step(50, a, b); // the confirming probe's bytes were counted by the last tick
    assertEquals(TickPace.IDLE, step(50, a, b), "direct, nothing moving: the slow tick");
  }

  @Test
  void dataMovingWantsTheSteadyTick() {
    Node a = node("a", "100.64.0.1", "192.0.2.1");
    Node b = node("b", "100.64.0.2", "198.51.100.2");
    ConnectRehearsal.stepUntilDirect(coordinator, net, clock, a, b);
    step(50, a, b);
    assertEquals(TickPace.IDLE, step(50, a, b));
    String peerOfA = a.plane().routes().iterator().next().peer();
    a.plane().probe(peerOfA, new byte[28]); // a datagram through the path: bytes out, bytes in
    assertEquals(TickPace.MOVING, step(50, a, b), "traffic counters moved");
    assertEquals(TickPace.IDLE, step(250, a, b), "and stopped");
  }

  @Test
  void directPathStaysUpOnTheSlowTickForTwoMinutes() {
    Node a = node("a", "100.64.0.1", "192.0.2.1");
    Node b = node("b", "100.64.0.2", "198.51.100.2");
    ConnectRehearsal.stepUntilDirect(coordinator, net, clock, a, b);
    int before = discoDatagramsSent();
    TickPace next = TickPace.FAST;
    long elapsed = 0;
    int idleTicks = 0;
    for (int i = 0; i < 10_000 && elapsed < 120_000; i++) {
      long pace = next.period().toMillis(); // the daemon's: the pace the last tick asked for
      next = step(pace, a, b);
      elapsed += pace;
      idleTicks += pace == 1000 ? 1 : 0;
    }
    assertTrue(idleTicks >= 100, "mostly slow ticks: " + idleTicks);
    assertEquals("direct", ConnectRehearsal.stateOfOnlyPeer(a));
    assertEquals("direct", ConnectRehearsal.stateOfOnlyPeer(b));
    assertTrue(discoDatagramsSent() - before >= 4, "keepalives and their pongs went out");
    assertTrue(failures.isEmpty(), failures.toString());
  }
}
