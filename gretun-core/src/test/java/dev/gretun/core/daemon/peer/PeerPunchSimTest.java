package dev.gretun.core.daemon.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.daemon.peer.PeerAction.ResumePath;
import dev.gretun.core.daemon.peer.PeerAction.SendPing;
import dev.gretun.core.daemon.peer.PeerAction.SuspendPath;
import dev.gretun.core.daemon.peer.PeerAction.Transition;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** Two state machines punching through modelled Linux MASQUERADE NATs ({@link SimNat}). */
class PeerPunchSimTest {
  private final SimNetwork net = new SimNetwork();

  private SimNetwork.Node a;
  private SimNetwork.Node b;

  private void twoNatted(PeerTimings timings, int insideHopsA) {
    a = net.addNode("a", "10.0.1.2", "203.0.113.1", insideHopsA, timings); // "a" < "b": opener
    b = net.addNode("b", "10.0.2.2", "198.51.100.1", 0, timings);
  }

  private boolean bothDirect() {
    return a.stateOf("b") == PeerState.DIRECT && b.stateOf("a") == PeerState.DIRECT;
  }

  @Test
  void bothSidesReachDirectWhenTheOpenerLearnsFirst() {
    twoNatted(PeerTimings.defaults(), 0);
    a.syncFromCoordinator();
    net.runFor(Duration.ofMillis(300));
    b.syncFromCoordinator();
    Duration took = net.runUntil(this::bothDirect, Duration.ofSeconds(10));

    assertTrue(bothDirect(), "a=" + a.stateOf("b") + " b=" + b.stateOf("a"));
    assertTrue(took.compareTo(Duration.ofSeconds(1)) < 0, "took " + took);
    assertEquals(b.endpoints().get(1), a.path.get("b"));
    assertEquals(a.endpoints().get(1), b.path.get("a"));
    assertEquals(0, a.nat.poisonedMappings + b.nat.poisonedMappings);
    // the opener's first pings were low-TTL, the non-opener never sent one
    assertEquals(2, a.actionsOf(SendPing.class).getFirst().ttl());
    assertTrue(b.actionsOf(SendPing.class).stream().allMatch(p -> p.ttl() == null));
    assertEquals(1, a.actionsOf(PeerAction.PunchSucceeded.class).size());
  }

  @Test
  void bothSidesReachDirectWhenTheNonOpenerLearnsFirst() {
    twoNatted(PeerTimings.defaults(), 0);
    b.syncFromCoordinator();
    net.runFor(Duration.ofMillis(300));
    a.syncFromCoordinator();
    net.runUntil(this::bothDirect, Duration.ofSeconds(10));

    assertTrue(bothDirect(), "a=" + a.stateOf("b") + " b=" + b.stateOf("a"));
    assertEquals(0, a.nat.poisonedMappings + b.nat.poisonedMappings);
    assertEquals(
        List.of("unknown>have_endpoints", "have_endpoints>punching", "punching>direct"),
        transitions(b));
  }

  @Test
  void withoutALowTtlOpenerTheFarNatIsPoisonedAndPunchingFails() {
    // Both sides send at normal TTL from the start: the DESIGN.md §3.1 failure this model
    // reproduces.
    twoNatted(PeerTimings.defaults().withOpenerTtls(List.of(64)), 0);
    a.syncFromCoordinator();
    b.syncFromCoordinator();
    net.runFor(Duration.ofSeconds(11));

    assertEquals(PeerState.RELAY, a.stateOf("b"));
    assertEquals(PeerState.RELAY, b.stateOf("a"));
    assertTrue(a.nat.poisonedMappings + b.nat.poisonedMappings > 0);
  }

  @Test
  void openerTriesTheNextTtlWhenItsNatIsFurtherAway() {
    // An extra router between a and its NAT: TTL 2 dies before the NAT, TTL 3 opens it.
    twoNatted(PeerTimings.defaults(), 1);
    a.syncFromCoordinator();
    b.syncFromCoordinator();
    net.runFor(Duration.ofSeconds(11));
    assertEquals(PeerState.RELAY, a.stateOf("b"), "first attempt with TTL 2 cannot work");

    net.runUntil(this::bothDirect, Duration.ofSeconds(60));

    assertTrue(bothDirect(), "a=" + a.stateOf("b") + " b=" + b.stateOf("a"));
    var ttls = a.actionsOf(SendPing.class).stream().map(SendPing::ttl).distinct().toList();
    assertEquals(2, ttls.get(0));
    assertEquals(3, ttls.get(1));
  }

  @Test
  void conntrackFlushOnBothNatsRecoversBySilenceAndARepunch() {
    twoNatted(PeerTimings.defaults(), 0);
    a.syncFromCoordinator();
    b.syncFromCoordinator();
    net.runUntil(this::bothDirect, Duration.ofSeconds(10));
    assertTrue(bothDirect());
    net.runFor(Duration.ofSeconds(30));
    assertTrue(bothDirect(), "keepalives hold the path");

    a.nat.flush();
    b.nat.flush();
    Duration lost = net.runUntil(() -> !bothDirect(), Duration.ofSeconds(120));
    assertTrue(a.nat.poisonedMappings + b.nat.poisonedMappings > 0, "traffic re-poisoned a NAT");
    assertTrue(lost.compareTo(Duration.ofSeconds(70)) < 0, "loss detected after " + lost);
    assertTrue(a.suspended.contains("b") || b.suspended.contains("a"), "path suspended");
    Duration back = net.runUntil(this::bothDirect, Duration.ofSeconds(120));

    assertTrue(bothDirect(), "recovered in " + back);
    assertTrue(back.compareTo(Duration.ofSeconds(30)) > 0, "waited out stale entries: " + back);
    for (var n : List.of(a, b)) {
      assertEquals(1, n.actionsOf(SuspendPath.class).size(), n.key);
      assertEquals(1, n.actionsOf(ResumePath.class).size(), n.key);
      assertTrue(n.suspended.isEmpty(), n.key);
    }
  }

  @Test
  void blockedPathGoesToRelayAndRetriesWithBackoff() {
    twoNatted(PeerTimings.defaults(), 0);
    net.dropIf = (from, to) -> true;
    a.syncFromCoordinator();
    b.syncFromCoordinator();
    net.runFor(Duration.ofSeconds(11));
    assertEquals(PeerState.RELAY, a.stateOf("b"));

    net.runFor(Duration.ofSeconds(120));
    long punches =
        a.actionsOf(Transition.class).stream().filter(t -> t.to() == PeerState.PUNCHING).count();
    assertEquals(3, punches, "at 0 s, 45 s (10 + 35), 125 s (55 + 70)");

    net.dropIf = (from, to) -> false;
    net.runUntil(this::bothDirect, Duration.ofSeconds(200));
    assertTrue(bothDirect());
  }

  private static List<String> transitions(SimNetwork.Node n) {
    return n.actionsOf(Transition.class).stream()
        .map(t -> t.from().label() + ">" + t.to().label())
        .filter(Objects::nonNull)
        .toList();
  }
}
