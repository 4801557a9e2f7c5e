package dev.gretun.core.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.peer.PeerAction.ResumePath;
import dev.gretun.core.peer.PeerAction.SendPing;
import dev.gretun.core.peer.PeerAction.SuspendPath;
import dev.gretun.core.peer.PeerAction.Transition;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

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
    // Both sides send at normal TTL from the start: the docs/NAT-TRAVERSAL.md §3.1 failure this
    // model
    // reproduces.
    twoNatted(PeerTimings.defaults().withOpenerTtls(List.of(64)), 0);
    a.syncFromCoordinator();
    b.syncFromCoordinator();
    net.runFor(Duration.ofSeconds(11));

    assertEquals(PeerState.NO_PATH, a.stateOf("b"));
    assertEquals(PeerState.NO_PATH, b.stateOf("a"));
    assertTrue(a.nat.poisonedMappings + b.nat.poisonedMappings > 0);
  }

  @Test
  void openerTriesTheNextTtlWhenItsNatIsFurtherAway() {
    // An extra router between a and its NAT: TTL 2 dies before the NAT, TTL 3 opens it.
    twoNatted(PeerTimings.defaults(), 1);
    a.syncFromCoordinator();
    b.syncFromCoordinator();
    net.runFor(Duration.ofSeconds(11));
    assertEquals(PeerState.NO_PATH, a.stateOf("b"), "first attempt with TTL 2 cannot work");

    net.runUntil(this::bothDirect, Duration.ofSeconds(60));

    assertTrue(bothDirect(), "a=" + a.stateOf("b") + " b=" + b.stateOf("a"));
    var ttls = a.actionsOf(SendPing.class).stream().map(SendPing::ttl).distinct().toList();
    assertEquals(2, ttls.get(0));
    assertEquals(3, ttls.get(1));
  }

  /**
   * One side's STUN has not answered when the pair first punches (a loaded machine: the VM tier
   * with two guests at once), so that side posted its LAN address only and the attempt hears
   * nothing: with a late, b can only ping a's LAN address; with b late, the opener's low-TTL pings
   * go to b's LAN address, so its NAT opens towards nothing b sends from, and b's pings at a's
   * mapping sit on a's NAT. Neither says anything about the opener's TTL (raising it to 3 would
   * reach and poison the far NAT), and neither may re-punch at once when the mapping arrives
   * (through a's NAT while b's pings still sit there). Once the silence is over, TTL 2 connects.
   */
  @ParameterizedTest
  @ValueSource(strings = {"a", "b"})
  void anAttemptBeforeAStunAnswerDoesNotRaiseTheOpenersTtl(String late) {
    twoNatted(PeerTimings.defaults(), 0);
    SimNetwork.Node lateNode = net.nodes.get(late);
    lateNode.stunUnanswered();
    a.syncFromCoordinator();
    b.syncFromCoordinator();
    net.runFor(Duration.ofSeconds(11));
    assertEquals(PeerState.NO_PATH, a.stateOf("b"), "only " + late + "'s LAN address was known");

    lateNode.stunNow();
    Duration took = net.runUntil(this::bothDirect, Duration.ofSeconds(120));

    assertTrue(bothDirect(), "a=" + a.stateOf("b") + " b=" + b.stateOf("a") + "\n" + a.log);
    assertTrue(took.compareTo(Duration.ofSeconds(60)) < 0, "took " + took);
    assertTrue(
        a.actionsOf(SendPing.class).stream().allMatch(p -> p.ttl() == null || p.ttl() == 2),
        "TTL 3 would reach and poison b's NAT");
    assertEquals(0, a.nat.poisonedMappings + b.nat.poisonedMappings, "no flow got a moved port");
  }

  /**
   * The VM tier's {@code 42-kernel-source-enforcement.sh} topology: a and a2 behind one NAT, both
   * on port 7777, so whichever asks STUN second gets another public port (its sibling holds the
   * preserved one towards the STUN server) and keeps it towards b; b behind its own NAT. Each
   * opener role (the keys' order), either STUN order and a slow relay: both pairs go direct, on
   * each host's STUN mapping, without a moved port.
   */
  @ParameterizedTest
  @CsvSource({
    "k1,k2,k3,true",
    "k1,k3,k2,false",
    "k2,k1,k3,true",
    "k2,k3,k1,false",
    "k3,k1,k2,true",
    "k3,k2,k1,false"
  })
  void twoHostsBehindOneNatOnTheSamePortBothReachAThird(
      String kA2, String kA, String kB, boolean a2AsksStunFirst) {
    net.relayLatency = Duration.ofSeconds(3).toNanos();
    var a2 = net.addNode(kA2, "10.0.1.11", "203.0.113.10", 0, PeerTimings.defaults());
    var sibling = net.addNodeBehind(kA, "10.0.1.10", a2, PeerTimings.defaults());
    var far = net.addNode(kB, "10.0.2.10", "198.51.100.10", 0, PeerTimings.defaults());
    for (var n : a2AsksStunFirst ? List.of(a2, sibling, far) : List.of(sibling, a2, far)) {
      n.stunNow();
      n.stunEvery(Duration.ofSeconds(25));
    }
    assertTrue(!a2.published.equals(sibling.published), "one of them got another port");
    for (var n : List.of(a2, far, sibling)) {
      n.syncFromCoordinator();
      net.runFor(Duration.ofSeconds(1));
    }
    Duration took =
        net.runUntil(
            () ->
                far.stateOf(kA2) == PeerState.DIRECT
                    && far.stateOf(kA) == PeerState.DIRECT
                    && a2.stateOf(kB) == PeerState.DIRECT
                    && sibling.stateOf(kB) == PeerState.DIRECT,
            Duration.ofSeconds(60));

    assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, "took " + took + "\n" + far.log);
    assertEquals(a2.published, far.path.get(kA2));
    assertEquals(sibling.published, far.path.get(kA));
    assertEquals(1, a2.nat.poisonedMappings, "only the second STUN flow got another port");
    assertEquals(0, far.nat.poisonedMappings);
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

  /**
   * The VM tier's {@code 42} under load: the non-opener learned the pair first and the opener's
   * first pings came seconds later (its daemon starved under TCG), after the non-opener's hold had
   * run out with no call_me_maybe yet. The non-opener's full-TTL pings then reached the opener's
   * NAT before the opener had opened it, the opener's flow moved to another port, and every attempt
   * after failed the same way (conntrack -E on both NATs showed it).
   */
  @ParameterizedTest(name = "opener {0} ms late")
  @ValueSource(ints = {5500, 7000, 9000})
  void aNonOpenerDoesNotPingAheadOfALateOpenerOnItsFirstAttempt(int lateMs) {
    twoNatted(PeerTimings.defaults(), 0);
    b.syncFromCoordinator(); // the non-opener ("b" > "a")
    net.runFor(Duration.ofMillis(lateMs));
    a.syncFromCoordinator();
    Duration took = net.runUntil(this::bothDirect, Duration.ofSeconds(60));

    assertTrue(bothDirect(), "a=" + a.stateOf("b") + " b=" + b.stateOf("a") + "\n" + b.log);
    assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "took " + took + "\n" + b.log);
    assertEquals(0, a.nat.poisonedMappings + b.nat.poisonedMappings, "no flow got a moved port");
  }

  /**
   * The VM tier's {@code 42} under load, second cause: during the start-up burst the relay took ~9
   * s. Calls arrived after the attempts they announced had ended; one started an attempt of the
   * opener's, which heard nothing and took that as "my TTL is too low": TTL 3 reaches the far NAT
   * in this lab and poisoned it for every attempt after, long after the relay was fast again. A
   * call that old says nothing about the peer punching now.
   */
  @ParameterizedTest(name = "relay {0} ms for 20 s, the opener {1} ms later")
  @CsvSource({"9000, 800", "9000, 900", "9000, 950", "9000, 980", "7000, 2950", "12000, 0"})
  void aCallThatASlowRelayHeldForSecondsDoesNotRaiseTheOpenersTtl(int relayMs, int laterMs) {
    twoNatted(PeerTimings.defaults(), 0);
    net.relayLatency = Duration.ofMillis(relayMs).toNanos();
    b.syncFromCoordinator(); // the non-opener
    net.runFor(Duration.ofMillis(laterMs));
    a.syncFromCoordinator();
    net.runFor(Duration.ofSeconds(20));
    net.relayLatency = Duration.ofMillis(500).toNanos();
    Duration took = net.runUntil(this::bothDirect, Duration.ofSeconds(180));

    assertTrue(bothDirect(), "a=" + a.stateOf("b") + " b=" + b.stateOf("a") + "\n" + a.log);
    assertTrue(
        a.actionsOf(SendPing.class).stream().allMatch(p -> p.ttl() == null || p.ttl() == 2),
        "TTL 3 would reach and poison b's NAT\n" + a.log);
    assertEquals(0, a.nat.poisonedMappings + b.nat.poisonedMappings, "no flow got a moved port");
    assertTrue(took.compareTo(Duration.ofSeconds(120)) < 0, "took " + took);
  }

  /**
   * The VM tier's {@code 40-kernel-dataplane-plain.sh} scenario 6: one side is killed and started
   * again (same keys, its NAT's entries still live) while the other still has the path. The
   * survivor loses it (keepalives unanswered) and waits out its stale-NAT silence, then punches. A
   * restarted non-opener used to ping at full TTL after its hold: the survivor answered but did not
   * take the path, the restarted side's data path was never confirmed, it went silent in turn, and
   * on the VM tier the two silences alternated for minutes (45 s here). Now the restarted side
   * waits for the survivor's call_me_maybe (its first attempt never pings ahead of the opener), and
   * a ping that does arrive during a silence is punched back at once (PeerMachineTest): the pair is
   * back when the survivor's silence ends, whichever side restarted.
   */
  @ParameterizedTest(name = "restart {0} after {1} s: direct within {2} s")
  @CsvSource({"b, 0, 40", "b, 12, 40", "b, 25, 40", "a, 0, 40", "a, 12, 40", "a, 25, 40"})
  void aRestartedPeerIsTakenBackWhileTheSurvivorWaitsOutItsSilence(
      String restarted, int downS, int withinS) {
    twoNatted(PeerTimings.defaults(), 0);
    a.syncFromCoordinator();
    b.syncFromCoordinator();
    net.runUntil(this::bothDirect, Duration.ofSeconds(10));
    net.runFor(Duration.ofSeconds(30));
    assertTrue(bothDirect(), "keepalives hold the path");

    SimNetwork.Node old = net.nodes.get(restarted);
    old.down = true;
    SimNetwork.Node survivor = restarted.equals("a") ? b : a;
    net.runFor(Duration.ofSeconds(downS));
    SimNetwork.Node fresh =
        net.addNodeBehind(
            restarted, old.addr.getAddress().getHostAddress(), old, PeerTimings.defaults());
    fresh.syncFromCoordinator();
    Duration took =
        net.runUntil(
            () ->
                fresh.stateOf(survivor.key) == PeerState.DIRECT
                    && survivor.stateOf(restarted) == PeerState.DIRECT,
            Duration.ofSeconds(180));

    assertTrue(
        took.compareTo(Duration.ofSeconds(withinS)) < 0,
        "took " + took + "\nsurvivor:" + survivor.log + "\nrestarted:" + fresh.log);
    assertEquals(0, a.nat.poisonedMappings + b.nat.poisonedMappings, "no flow got a moved port");
  }

  /**
   * The lab's scenario 5 (docs/DAEMON.md, "Recovery after a NAT flush"): a ping load from one side
   * (the other only answers), both daemons refresh STUN every 25 s, and the coordinator relays
   * call_me_maybe with some latency (6 s was seen in the lab). Flushing both NATs at any phase of
   * those timers must bring traffic back on its own, after more than 30 s of silence.
   */
  @ParameterizedTest(name = "phase {0} s, load from {1}, relay {2} ms, stuck {3} s")
  @CsvSource({
    "0, a, 60, 0",
    "4, a, 60, 0",
    "8, a, 60, 0",
    "12, a, 60, 0",
    "16, a, 60, 0",
    "20, a, 60, 0",
    "24, a, 60, 0",
    "0, b, 60, 0",
    "8, b, 60, 0",
    "16, b, 60, 0",
    "0, b, 6000, 0",
    "12, b, 6000, 0",
    "0, a, 6000, 0",
    "4, b, 9000, 0",
    "0, a, 60, 18",
    "0, b, 60, 18",
    "8, a, 60, 20",
    "8, b, 60, 20",
    "0, a, 60, 25"
  })
  void conntrackFlushUnderAPingLoadRecoversOnItsOwn(
      int phaseSeconds, String loaded, int relayMs, int stuckSeconds) {
    twoNatted(PeerTimings.defaults(), 0);
    var load = loaded.equals("a") ? a : b;
    var echo = load == a ? b : a;
    echo.traffic = SimNetwork.Traffic.ECHO;
    a.stunEvery(Duration.ZERO);
    b.stunEvery(Duration.ofSeconds(7));
    a.syncFromCoordinator();
    b.syncFromCoordinator();
    net.runUntil(this::bothDirect, Duration.ofSeconds(10));
    net.runFor(Duration.ofSeconds(30 + phaseSeconds));
    assertTrue(bothDirect(), "keepalives hold the path");
    assertTrue(echoed(load, echo), "the load is answered");

    net.relayLatency = Duration.ofMillis(relayMs).toNanos();
    net.relayStalledUntil = net.ticker.nanos() + Duration.ofSeconds(stuckSeconds).toNanos();
    a.nat.flush();
    b.nat.flush();
    Duration lost = net.runUntil(() -> !bothDirect(), Duration.ofSeconds(120));
    assertTrue(lost.compareTo(Duration.ofSeconds(15)) < 0, "loss detected after " + lost);
    Duration back =
        lost.plus(net.runUntil(() -> bothDirect() && echoed(load, echo), Duration.ofSeconds(180)));

    assertTrue(bothDirect() && echoed(load, echo), "recovered in " + back);
    assertTrue(back.compareTo(Duration.ofSeconds(30)) > 0, "waited out stale entries: " + back);
    var limit = Duration.ofSeconds(55 + stuckSeconds / 2).plusMillis(2L * relayMs);
    assertTrue(back.compareTo(limit) < 0, "recovered in " + back + ", limit " + limit);
    assertEquals(b.published, a.path.get("b"), "a uses b's current mapping");
    assertEquals(a.published, b.path.get("a"), "b uses a's current mapping");
    for (var n : List.of(a, b)) {
      int suspends = n.actionsOf(SuspendPath.class).size();
      // A call_me_maybe the slow relay delivers after the path is back costs one probe round
      // trip of suspension (peer's late call_me_maybe while direct).
      assertTrue(
          suspends == 1 || ((relayMs > 1000 || stuckSeconds > 0) && suspends == 2),
          n.key + ": " + n.log);
      assertEquals(suspends, n.actionsOf(ResumePath.class).size(), n.key + ": " + n.log);
      assertTrue(n.suspended.isEmpty(), n.key);
    }
  }

  /** Whether {@code echo}'s answers to {@code load}'s data arrive (checked over one second). */
  private boolean echoed(SimNetwork.Node load, SimNetwork.Node echo) {
    long before = load.rx.getOrDefault(echo.key, 0L);
    net.runFor(Duration.ofSeconds(1));
    return load.rx.getOrDefault(echo.key, 0L) > before;
  }

  @Test
  void aFailedRepunchRetriesTheTtlThatWorkedBeforeEscalating() {
    twoNatted(PeerTimings.defaults(), 0);
    a.syncFromCoordinator();
    b.syncFromCoordinator();
    net.runUntil(this::bothDirect, Duration.ofSeconds(10));
    assertTrue(bothDirect());

    // The path dies and stays dead through the first re-punch (35 s silence + 10 s punch).
    net.dropIf = (from, to) -> true;
    a.nat.flush();
    b.nat.flush();
    net.runUntil(() -> transitions(a).contains("punching>no_path"), Duration.ofSeconds(120));
    assertEquals(PeerState.NO_PATH, a.stateOf("b"), "first re-punch failed");
    net.dropIf = (from, to) -> false;
    Duration back = net.runUntil(this::bothDirect, Duration.ofSeconds(120));

    assertTrue(bothDirect(), "a=" + a.stateOf("b") + " b=" + b.stateOf("a"));
    // The second re-punch waits out the stale wait and conntrack's eviction (RepunchWait).
    assertTrue(back.compareTo(Duration.ofSeconds(100)) < 0, "second re-punch worked: " + back);
    assertTrue(
        a.actionsOf(SendPing.class).stream().allMatch(p -> p.ttl() == null || p.ttl() == 2),
        "TTL 3 would reach and poison b's NAT");
    assertEquals(0, a.nat.poisonedMappings + b.nat.poisonedMappings);
  }

  @Test
  void blockedPathGoesToNoPathAndRetriesWithBackoff() {
    twoNatted(PeerTimings.defaults(), 0);
    net.dropIf = (from, to) -> true;
    a.syncFromCoordinator();
    b.syncFromCoordinator();
    net.runFor(Duration.ofSeconds(11));
    assertEquals(PeerState.NO_PATH, a.stateOf("b"));

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
