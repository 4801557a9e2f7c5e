package dev.gretun.core.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.netcheck.NatType;
import dev.gretun.core.peer.PeerAction.ConfigureDirectPath;
import dev.gretun.core.peer.PeerAction.NoPath;
import dev.gretun.core.peer.PeerAction.PongRejected;
import dev.gretun.core.peer.PeerAction.PunchSucceeded;
import dev.gretun.core.peer.PeerAction.ResumePath;
import dev.gretun.core.peer.PeerAction.SendCallMeMaybe;
import dev.gretun.core.peer.PeerAction.SendDataProbe;
import dev.gretun.core.peer.PeerAction.SendPing;
import dev.gretun.core.peer.PeerAction.SendPong;
import dev.gretun.core.peer.PeerAction.SuspendPath;
import dev.gretun.core.peer.PeerAction.Transition;
import dev.gretun.core.peer.PeerEvent.CallMeMaybeReceived;
import dev.gretun.core.peer.PeerEvent.DataPathConfirmed;
import dev.gretun.core.peer.PeerEvent.LocalNatUpdated;
import dev.gretun.core.peer.PeerEvent.PathLost;
import dev.gretun.core.peer.PeerEvent.PeerUpdated;
import dev.gretun.core.peer.PeerEvent.PingReceived;
import dev.gretun.core.peer.PeerEvent.PongReceived;
import dev.gretun.core.util.FakeTicker;
import dev.gretun.core.util.HostPort;
import dev.gretun.core.wire.disco.DiscoTxId;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PeerMachineTest {
  static final InetSocketAddress LAN = new InetSocketAddress("10.0.2.2", 7777);
  static final InetSocketAddress PUB = new InetSocketAddress("198.51.100.1", 7777);
  static final InetSocketAddress PUB2 = new InetSocketAddress("198.51.100.9", 7777);
  static final InetSocketAddress OTHER = new InetSocketAddress("192.0.2.66", 7777);

  private final FakeTicker clock = new FakeTicker();
  private final PeerTimings timings = PeerTimings.defaults();

  private PeerMachine machine(boolean opener) {
    return new PeerMachine(info(PUB, LAN), opener, clock, new SplittableRandom(7), timings);
  }

  /** A peer whose endpoints are these; a public one (PUB) is its STUN mapping. */
  private static PeerInfo info(InetSocketAddress... endpoints) {
    List<InetSocketAddress> eps = List.of(endpoints);
    return new PeerInfo("peer", null, eps, NatType.UNKNOWN, eps.contains(PUB) ? PUB : null);
  }

  private static <T extends PeerAction> List<T> only(Class<T> type, List<PeerAction> actions) {
    return actions.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** Ticks every 10 ms for {@code d}, collecting every action. */
  private List<PeerAction> run(PeerMachine m, Duration d) {
    var all = new ArrayList<PeerAction>();
    for (long t = 0; t < d.toMillis(); t += 10) {
      clock.advanceMillis(10);
      all.addAll(m.on(PeerEvent.TICK));
    }
    return all;
  }

  /** Ticks in 10 ms steps until the machine sends a ping (bounded to a minute). */
  private SendPing nextPing(PeerMachine m) {
    for (int i = 0; i < 6000; i++) {
      clock.advanceMillis(10);
      var pings = only(SendPing.class, m.on(PeerEvent.TICK));
      if (!pings.isEmpty()) {
        return pings.getFirst();
      }
    }
    throw new AssertionError("no ping within a minute");
  }

  private SendPing lastPingTo(List<PeerAction> actions, InetSocketAddress to) {
    return only(SendPing.class, actions).stream().filter(p -> p.to().equals(to)).toList().getLast();
  }

  /** Drives a machine to direct through {@code endpoint}; returns the punch actions. */
  private List<PeerAction> toDirect(PeerMachine m, InetSocketAddress endpoint) {
    var actions = new ArrayList<>(m.on(new PeerUpdated(info(PUB, LAN))));
    actions.addAll(m.on(new CallMeMaybeReceived(List.of())));
    actions.addAll(run(m, Duration.ofMillis(300)));
    SendPing ping = lastPingTo(actions, endpoint);
    clock.advanceMillis(30);
    actions.addAll(m.on(new PongReceived(ping.tx(), endpoint, null)));
    actions.addAll(m.on(new DataPathConfirmed(endpoint)));
    assertEquals(PeerState.DIRECT, m.state());
    return actions;
  }

  @Test
  void endpointsFromTheCoordinatorStartPunchingAtOnce() {
    var m = machine(true);
    var actions = m.on(new PeerUpdated(info(PUB, LAN)));

    assertEquals(
        List.of(
            new Transition(
                PeerState.UNKNOWN, PeerState.HAVE_ENDPOINTS, "endpoints from coordinator"),
            new Transition(
                PeerState.HAVE_ENDPOINTS, PeerState.PUNCHING, "endpoints from coordinator")),
        only(Transition.class, actions));
    var pings = only(SendPing.class, actions);
    assertEquals(List.of(PUB, LAN), pings.stream().map(SendPing::to).toList());
    // the opener opens its own NAT before telling the peer to start
    assertTrue(actions.indexOf(pings.getLast()) < actions.indexOf(new SendCallMeMaybe()));
  }

  @Test
  void noEndpointsStaysUnknown() {
    var m = machine(true);
    assertEquals(List.of(), m.on(new PeerUpdated(info())));
    assertEquals(PeerState.UNKNOWN, m.state());
  }

  @Test
  void openerSendsLowTtlUntilItHearsThePeerThenNormalTtl() {
    var m = machine(true);
    var first = only(SendPing.class, m.on(new PeerUpdated(info(PUB))));
    assertEquals(2, first.getFirst().ttl());
    assertTrue(
        only(SendPing.class, run(m, Duration.ofSeconds(1))).stream().allMatch(p -> p.ttl() == 2));

    var reply = m.on(new PingReceived(new DiscoTxId(1, 2), PUB));
    assertEquals(new SendPong(PUB, new DiscoTxId(1, 2), PUB), reply.getFirst());
    var now = only(SendPing.class, reply);
    assertEquals(List.of(PUB), now.stream().map(SendPing::to).toList(), "normal TTL at once");
    assertEquals(null, now.getFirst().ttl());
    var later = only(SendPing.class, run(m, Duration.ofSeconds(1)));
    assertEquals(4, later.size(), "one ping per 250 ms");
    assertTrue(later.stream().allMatch(p -> p.ttl() == null));
  }

  @Test
  void nonOpenerPingsAtOnceWhenTheOpenersCallArrivesMidAttempt() {
    var m = machine(false);
    var start = m.on(new PeerUpdated(info(PUB, LAN)));
    assertEquals(PeerState.PUNCHING, m.state());
    assertEquals(List.of(), only(SendPing.class, start), "held until the opener's NAT is open");
    assertEquals(List.of(), only(SendPing.class, run(m, Duration.ofMillis(100))));

    var go = m.on(new CallMeMaybeReceived(List.of(PUB)));
    assertEquals(List.of(PUB, LAN), only(SendPing.class, go).stream().map(SendPing::to).toList());
    assertEquals(
        List.of(),
        only(SendPing.class, run(m, Duration.ofMillis(200))),
        "the next round comes a ping interval after this one");
  }

  @Test
  void openerTtlIsConfigurable() {
    var m =
        new PeerMachine(
            info(PUB), true, clock, new SplittableRandom(1), timings.withOpenerTtls(List.of(5)));
    assertEquals(5, only(SendPing.class, m.on(new PeerUpdated(info(PUB)))).getFirst().ttl());
  }

  @Test
  void nonOpenerHoldsItsPingsUntilTheOpenersCallMeMaybe() {
    var m = machine(false);
    var start = m.on(new PeerUpdated(info(PUB)));
    assertEquals(List.of(), only(SendPing.class, start));
    assertEquals(1, only(SendCallMeMaybe.class, start).size());
    assertEquals(List.of(), only(SendPing.class, run(m, Duration.ofSeconds(1))));

    var answer = m.on(new CallMeMaybeReceived(List.of(OTHER)));
    assertEquals(List.of(), only(SendCallMeMaybe.class, answer), "only the opener answers");
    var pings = only(SendPing.class, run(m, Duration.ofMillis(260)));
    assertEquals(List.of(PUB, OTHER), pings.stream().map(SendPing::to).toList());
    assertTrue(pings.stream().allMatch(p -> p.ttl() == null));
  }

  /**
   * Not on the first attempt (the opener may start later: full-TTL pings ahead of its own would
   * poison its NAT); once an attempt ran out with no call_me_maybe at all, the relay may not work,
   * so the next attempts ping anyway after the hold.
   */
  @Test
  void nonOpenerStartsAnywayAfterTheHoldOnceAnAttemptBroughtNoCallMeMaybe() {
    var m = machine(false);
    m.on(new PeerUpdated(info(PUB)));
    assertEquals(List.of(), only(SendPing.class, run(m, Duration.ofSeconds(11))));
    assertEquals(PeerState.NO_PATH, m.state());
    repunched(m, Duration.ofSeconds(40));
    assertEquals(List.of(), only(SendPing.class, run(m, Duration.ofMillis(4800))));
    assertEquals(1, only(SendPing.class, run(m, Duration.ofMillis(300))).size());
  }

  @Test
  void openerAnswersCallMeMaybeAtMostOncePerSecond() {
    var m = machine(true);
    m.on(new PeerUpdated(info(PUB)));
    clock.advanceMillis(1000);
    assertEquals(1, only(SendCallMeMaybe.class, m.on(new CallMeMaybeReceived(List.of()))).size());
    clock.advanceMillis(100);
    assertEquals(0, only(SendCallMeMaybe.class, m.on(new CallMeMaybeReceived(List.of()))).size());
  }

  @Test
  void callMeMaybeStartsPunchingAndAddsCandidates() {
    var m = machine(false);
    var actions = m.on(new CallMeMaybeReceived(List.of(OTHER)));
    assertEquals(PeerState.PUNCHING, m.state());
    assertEquals(List.of(OTHER), only(SendPing.class, actions).stream().map(SendPing::to).toList());
  }

  @Test
  void pongIsAcceptedOnlyForAnOutstandingTxFromTheAddressItWasSentTo() {
    var m = machine(true);
    var pings = only(SendPing.class, m.on(new PeerUpdated(info(PUB, LAN))));
    DiscoTxId toPub = pings.getFirst().tx();

    var unknown = m.on(new PongReceived(new DiscoTxId(9, 9), PUB, null));
    assertEquals(List.of(new PongRejected(PUB, "unknown tx")), unknown);
    var wrongAddress = m.on(new PongReceived(toPub, OTHER, null));
    assertEquals(List.of(new PongRejected(OTHER, "tx was sent to " + PUB)), wrongAddress);
    assertNull(m.endpoint());

    clock.advanceMillis(42);
    var good = m.on(new PongReceived(toPub, PUB, LAN));
    assertEquals(List.of(new ConfigureDirectPath(PUB)), good);
    assertEquals(Duration.ofMillis(42), m.rtt());
    assertEquals(PeerState.PUNCHING, m.state(), "direct only after the data path is confirmed");

    var replay = m.on(new PongReceived(toPub, PUB, LAN));
    assertEquals(List.of(new PongRejected(PUB, "unknown tx")), replay, "a tx answers once");
  }

  @Test
  void latePongIsRejected() {
    var m = machine(true);
    DiscoTxId tx = only(SendPing.class, m.on(new PeerUpdated(info(PUB)))).getFirst().tx();
    clock.advance(Duration.ofMillis(5001));
    assertEquals(
        List.of(new PongRejected(PUB, "pong too late")), m.on(new PongReceived(tx, PUB, null)));
  }

  @Test
  void directNeedsConfirmationFromTheConfiguredEndpoint() {
    var m = machine(true);
    DiscoTxId tx = only(SendPing.class, m.on(new PeerUpdated(info(PUB)))).getFirst().tx();
    clock.advanceMillis(500);
    m.on(new PongReceived(tx, PUB, null));
    assertEquals(List.of(), m.on(new DataPathConfirmed(OTHER)));
    assertEquals(PeerState.PUNCHING, m.state());

    clock.advanceMillis(100);
    var actions = m.on(new DataPathConfirmed(PUB));
    assertEquals(
        List.of(
            new Transition(
                PeerState.PUNCHING,
                PeerState.DIRECT,
                "data path confirmed via " + HostPort.format(PUB)),
            new PunchSucceeded(Duration.ofMillis(600), PUB)),
        actions);
  }

  @Test
  void unconfirmedPathEndsInNoPath() {
    var m = machine(true);
    DiscoTxId tx = only(SendPing.class, m.on(new PeerUpdated(info(PUB)))).getFirst().tx();
    m.on(new PongReceived(tx, PUB, null));
    var actions = run(m, Duration.ofMillis(5010));
    assertEquals(PeerState.NO_PATH, m.state());
    assertEquals(
        List.of(new NoPath("data path through " + HostPort.format(PUB) + " not confirmed")),
        only(NoPath.class, actions));
  }

  /** A call a slow relay held for seconds does not show the peer punching during our attempt. */
  @Test
  void aStaleCallMeMaybeDoesNotRaiseTheOpenersTtl() {
    var m = machine(true);
    m.setReflexivePosted(true);
    m.on(new PeerUpdated(info(PUB)));
    run(m, Duration.ofSeconds(1));
    m.on(new CallMeMaybeReceived(List.of(PUB), Duration.ofSeconds(9)));
    run(m, Duration.ofSeconds(10));
    assertEquals(PeerState.NO_PATH, m.state());
    assertEquals(2, m.openerTtl(), "the call was 9 s old: the peer's attempt may have been over");
  }

  @Test
  void punchTimeoutGoesToNoPathThenRetriesWithBackoff() {
    var m = machine(true);
    m.setReflexivePosted(true);
    m.on(new PeerUpdated(info(PUB)));
    run(m, Duration.ofSeconds(1));
    m.on(new CallMeMaybeReceived(List.of(PUB))); // the peer punches too, and we hear nothing
    var actions = run(m, Duration.ofMillis(8990));
    assertEquals(PeerState.PUNCHING, m.state());
    actions = run(m, Duration.ofMillis(20));
    assertEquals(PeerState.NO_PATH, m.state());
    String reason = "punch timed out after 10000 ms, no pong from 1 candidate(s)";
    assertEquals(List.of(new NoPath(reason)), only(NoPath.class, actions));
    assertEquals(
        List.of(new Transition(PeerState.PUNCHING, PeerState.NO_PATH, reason)),
        only(Transition.class, actions));

    assertEquals(
        List.of(), only(SendPing.class, run(m, Duration.ofSeconds(34))), "silent in no_path");
    run(m, Duration.ofSeconds(2));
    assertEquals(PeerState.PUNCHING, m.state(), "re-punch after 35 s");
    assertEquals(3, m.openerTtl(), "an attempt that heard nothing escalates the opener TTL");
    run(m, Duration.ofSeconds(1));
    m.on(new CallMeMaybeReceived(List.of(PUB)));
    run(m, Duration.ofSeconds(10));
    assertEquals(PeerState.NO_PATH, m.state());
    run(m, Duration.ofSeconds(67));
    assertEquals(PeerState.NO_PATH, m.state(), "backoff doubled to 70 s");
    run(m, Duration.ofSeconds(2));
    assertEquals(PeerState.PUNCHING, m.state());
    assertEquals(4, m.openerTtl());
  }

  /**
   * An unanswered attempt raises the opener's TTL only when it shows the TTL is too low: the peer
   * punched during it (its call_me_maybe) towards our STUN-mapped endpoint (posted before the
   * attempt began). Either missing, the failure has another cause and the TTL stays.
   */
  @Test
  void theOpenersTtlRisesOnlyWhenThePeerPunchedAtOurPostedMapping() {
    var silentPeer = machine(true);
    silentPeer.setReflexivePosted(true);
    silentPeer.on(new PeerUpdated(info(PUB)));
    run(silentPeer, Duration.ofSeconds(11));
    assertEquals(PeerState.NO_PATH, silentPeer.state());
    assertEquals(2, silentPeer.openerTtl(), "the peer never punched");

    var noMapping = machine(true);
    noMapping.on(new PeerUpdated(info(PUB)));
    run(noMapping, Duration.ofSeconds(1));
    noMapping.on(new CallMeMaybeReceived(List.of(PUB)));
    noMapping.setReflexivePosted(true); // posted during the attempt: the peer may not have it
    run(noMapping, Duration.ofSeconds(10));
    assertEquals(PeerState.NO_PATH, noMapping.state());
    assertEquals(2, noMapping.openerTtl(), "our mapping was not posted when the attempt began");

    var evidence = machine(true);
    evidence.setReflexivePosted(true);
    evidence.on(new PeerUpdated(info(PUB)));
    run(evidence, Duration.ofSeconds(1));
    evidence.on(new CallMeMaybeReceived(List.of(PUB)));
    run(evidence, Duration.ofSeconds(10));
    assertEquals(PeerState.NO_PATH, evidence.state());
    assertEquals(3, evidence.openerTtl(), "the peer punched at our mapping and we heard nothing");
  }

  @Test
  void ourSymmetricNatIsNamedInTheNoPathReasonWhenKnown() {
    var m = machine(true);
    m.on(new LocalNatUpdated(NatType.HARD));
    m.on(new PeerUpdated(new PeerInfo("peer", null, List.of(PUB))));
    var actions = run(m, Duration.ofSeconds(11));
    assertEquals(
        List.of(
            new NoPath(
                "punch timed out after 10000 ms, no pong from 1 candidate(s); our NAT maps per"
                    + " destination (symmetric)")),
        only(NoPath.class, actions));
  }

  /** Punches until a pong chose {@code endpoint} (the path is configured, not yet confirmed). */
  private List<PeerAction> toConfigured(PeerMachine m, InetSocketAddress endpoint) {
    var actions = new ArrayList<>(m.on(new PeerUpdated(info(PUB, LAN))));
    actions.addAll(m.on(new CallMeMaybeReceived(List.of())));
    actions.addAll(run(m, Duration.ofMillis(300)));
    SendPing ping = lastPingTo(actions, endpoint);
    clock.advanceMillis(30);
    actions.addAll(m.on(new PongReceived(ping.tx(), endpoint, null)));
    assertEquals(1, only(ConfigureDirectPath.class, actions).size());
    return actions;
  }

  @Test
  void aConfiguredPathIsProbedAtOnceThenTwiceASecondUntilConfirmed() {
    var m = machine(true);
    toConfigured(m, PUB);
    clock.advanceMillis(10);
    assertEquals(1, only(SendDataProbe.class, m.on(PeerEvent.TICK)).size(), "first tick probes");
    assertEquals(2, only(SendDataProbe.class, run(m, Duration.ofMillis(1000))).size());
    m.on(PeerEvent.DATA_RECEIVED);
    assertEquals(PeerState.DIRECT, m.state(), "inbound data confirms the path");
    assertEquals(List.of(), only(SendDataProbe.class, run(m, Duration.ofSeconds(3))));
  }

  @Test
  void noDataProbesWithoutAConfiguredPath() {
    var m = machine(true);
    m.on(new PeerUpdated(info(PUB, LAN)));
    assertEquals(List.of(), only(SendDataProbe.class, run(m, Duration.ofSeconds(11))));
    assertEquals(PeerState.NO_PATH, m.state());
    assertEquals(List.of(), only(SendDataProbe.class, run(m, Duration.ofSeconds(30))));
  }

  @Test
  void inboundDataCountsAtMostOnceASecond() {
    var m = machine(true);
    toConfigured(m, PUB);
    clock.advanceMillis(4900); // a call_me_maybe within 5 s of our punch's own is not news
    m.on(PeerEvent.DATA_RECEIVED);
    assertEquals(PeerState.DIRECT, m.state());
    clock.advanceMillis(500);
    assertEquals(1, only(SuspendPath.class, m.on(new CallMeMaybeReceived(List.of()))).size());
    clock.advanceMillis(100);
    assertEquals(List.of(), m.on(PeerEvent.DATA_RECEIVED), "0.6 s after the last: not counted");
    clock.advanceMillis(400);
    assertEquals(
        List.of(new ResumePath()), m.on(PeerEvent.DATA_RECEIVED), "1 s after: resumes the path");
  }

  @Test
  void callMeMaybeInNoPathStartsARepunchAtOnceWhenOurPingsReachedNobody() {
    var m = machine(true);
    m.on(new PeerUpdated(info(PUB)));
    var attempt = run(m, Duration.ofSeconds(11));
    assertTrue(only(SendPing.class, attempt).stream().allMatch(p -> p.ttl() == 2));
    assertEquals(PeerState.NO_PATH, m.state());
    var actions = m.on(new CallMeMaybeReceived(List.of(PUB)));
    assertEquals(PeerState.PUNCHING, m.state());
    assertEquals(1, only(SendPing.class, actions).size());
  }

  @Test
  void afterAnAttemptWithNormalTtlPingsACallMeMaybeWaitsForTheBackoff() {
    var m = machine(false);
    m.on(new PeerUpdated(info(PUB)));
    run(m, Duration.ofSeconds(11)); // the first attempt holds throughout
    repunched(m, Duration.ofSeconds(40));
    var attempt = run(m, Duration.ofSeconds(11));
    assertTrue(
        only(SendPing.class, attempt).stream().anyMatch(p -> p.ttl() == null),
        "no call_me_maybe ever came: the non-opener pinged anyway after the hold");
    assertEquals(PeerState.NO_PATH, m.state());

    var called = m.on(new CallMeMaybeReceived(List.of(PUB)));
    assertEquals(List.of(), only(SendPing.class, called), "its entries on the far NAT live on");
    assertEquals(PeerState.NO_PATH, m.state());
    assertTrue(repunched(m, Duration.ofSeconds(80)).compareTo(Duration.ofSeconds(35)) >= 0);
  }

  /** Ticks in 100 ms steps until {@code m} punches again (at most {@code limit}); how long. */
  private Duration repunched(PeerMachine m, Duration limit) {
    Duration waited = Duration.ZERO;
    while (m.state() != PeerState.PUNCHING && waited.compareTo(limit) < 0) {
      run(m, Duration.ofMillis(100));
      waited = waited.plusMillis(100);
    }
    assertEquals(PeerState.PUNCHING, m.state(), "re-punched within " + limit);
    return waited;
  }

  @Test
  void nonOpenerWaitsForTheOpenerOnceTheRelayHasWorked() {
    var m = machine(false);
    toDirect(m, PUB); // the punch started with the opener's call_me_maybe
    m.on(new PathLost("test"));
    run(m, Duration.ofSeconds(36));
    assertEquals(PeerState.PUNCHING, m.state(), "silence over");
    var held = run(m, Duration.ofSeconds(9));
    assertEquals(List.of(), only(SendPing.class, held), "no pings until the opener says go");

    var go = m.on(new CallMeMaybeReceived(List.of(PUB)));
    assertEquals(List.of(PUB, LAN), only(SendPing.class, go).stream().map(SendPing::to).toList());
  }

  @Test
  void nonOpenerThatNeverHeardTheOpenerJoinsItsNextAttemptAtOnce() {
    var m = machine(false);
    toDirect(m, PUB);
    m.on(new PathLost("test"));
    run(m, Duration.ofSeconds(36 + 11));
    assertEquals(PeerState.NO_PATH, m.state(), "the opener never called");

    var go = m.on(new CallMeMaybeReceived(List.of(PUB)));
    assertEquals(PeerState.PUNCHING, m.state());
    assertEquals(2, only(SendPing.class, go).size(), "both candidates at once");
  }

  @Test
  void dataWithoutAnswerProbesAtOnceAndFindsTheLossInSeconds() {
    var m = machine(true);
    toDirect(m, PUB);
    var actions = new ArrayList<PeerAction>();
    for (int ms = 0; ms < 7_900; ms += 100) {
      clock.advanceMillis(100);
      actions.addAll(m.on(PeerEvent.DATA_SENT));
      actions.addAll(m.on(PeerEvent.TICK));
    }
    assertEquals(PeerState.DIRECT, m.state());
    var probes = only(SendPing.class, actions);
    assertEquals(3, probes.size(), "at 2, 4, 6 s (each counts as missed 2 s later)");
    assertTrue(probes.stream().allMatch(p -> p.to().equals(PUB) && p.ttl() == null));
    for (int ms = 0; ms < 300; ms += 100) {
      clock.advanceMillis(100);
      actions.addAll(m.on(PeerEvent.DATA_SENT));
      actions.addAll(m.on(PeerEvent.TICK));
    }
    assertEquals(PeerState.NO_PATH, m.state(), "three probes unanswered after 8 s");
    assertEquals(1, only(SuspendPath.class, actions).size());
  }

  @Test
  void oneWayDataOverALivePathIsNoLoss() {
    var m = machine(true);
    toDirect(m, PUB);
    int pings = 0;
    for (int ms = 0; ms < 60_000; ms += 100) {
      clock.advanceMillis(100);
      var actions = new ArrayList<>(m.on(PeerEvent.DATA_SENT));
      actions.addAll(m.on(PeerEvent.TICK));
      for (var p : only(SendPing.class, actions)) {
        pings++;
        m.on(new PongReceived(p.tx(), PUB, null));
      }
    }
    assertEquals(PeerState.DIRECT, m.state());
    assertEquals(30, pings, "one probe per 2 s of silence from the peer");
  }

  /** A direct machine that has received data from the peer every 100 ms for 3 s. */
  private PeerMachine directWithDataArriving() {
    var m = machine(true);
    toDirect(m, PUB);
    for (int ms = 0; ms < 3_000; ms += 100) {
      clock.advanceMillis(100);
      m.on(PeerEvent.DATA_RECEIVED);
      m.on(PeerEvent.TICK);
    }
    return m;
  }

  /**
   * The side that only answers: data from the peer stops (a NAT flush) and nothing else comes. It
   * probes after 2 s and finds the loss as fast as the sending side, ~8 s after the last data.
   */
  @Test
  void inboundDataThatStopsIsProbedAndAnUnansweredProbeLeadsToLossInSeconds() {
    var m = directWithDataArriving();
    var actions = new ArrayList<PeerAction>();
    for (int ms = 0; ms < 6_000; ms += 100) { // the flush: nothing arrives any more
      clock.advanceMillis(100);
      actions.addAll(m.on(PeerEvent.TICK));
    }
    // Data counts as heard at most once a second, so the count starts up to 1 s before the last.
    assertEquals(PeerState.DIRECT, m.state());
    assertEquals(3, only(SendPing.class, actions).size(), "probes 2, 4, 6 s after it was heard");
    run(m, Duration.ofMillis(2_200));
    assertEquals(PeerState.NO_PATH, m.state(), "three probes unanswered, 8 s after the last data");
  }

  @Test
  void inboundDataThatStopsCostsOneAnsweredProbe() {
    var m = directWithDataArriving();
    int pings = 0;
    for (int ms = 0; ms < 19_000; ms += 100) { // the peer stopped sending; the path is fine
      clock.advanceMillis(100);
      for (var p : only(SendPing.class, m.on(PeerEvent.TICK))) {
        pings++;
        m.on(new PongReceived(p.tx(), PUB, null));
      }
    }
    assertEquals(1, pings, "one probe, answered, then quiet until the 20 s keepalive");
    assertEquals(PeerState.DIRECT, m.state());
  }

  @Test
  void dataBothWaysNeedsNoProbes() {
    var m = machine(true);
    toDirect(m, PUB);
    var actions = new ArrayList<PeerAction>();
    for (int ms = 0; ms < 61_000; ms += 100) {
      clock.advanceMillis(100);
      actions.addAll(m.on(PeerEvent.DATA_SENT));
      if (ms % 1000 == 0) {
        actions.addAll(m.on(new DataPathConfirmed(PUB)));
      }
      actions.addAll(m.on(PeerEvent.TICK));
    }
    assertEquals(3, only(SendPing.class, actions).size(), "only the 20 s keepalives");
  }

  @Test
  void aTtlThatWorkedGetsOneMoreAttemptBeforeTheNextIsTried() {
    var m = machine(true);
    m.setReflexivePosted(true);
    toDirect(m, PUB);
    m.on(new PathLost("test"));
    run(m, Duration.ofSeconds(36));
    assertEquals(PeerState.PUNCHING, m.state());
    m.on(new CallMeMaybeReceived(List.of(PUB))); // the peer punches too
    run(m, Duration.ofSeconds(11));
    assertEquals(PeerState.NO_PATH, m.state(), "first re-punch heard nothing");
    assertEquals(2, m.openerTtl(), "TTL 2 worked before: try it again");
    run(m, Duration.ofSeconds(92)); // the attempt failed at 45 s: the next is due at 140 s
    assertEquals(PeerState.NO_PATH, m.state(), "after a loss: stale wait + conntrack eviction");
    run(m, Duration.ofSeconds(3));
    assertEquals(PeerState.PUNCHING, m.state());
    m.on(new CallMeMaybeReceived(List.of(PUB)));
    run(m, Duration.ofSeconds(11));
    assertEquals(PeerState.NO_PATH, m.state());
    assertEquals(3, m.openerTtl(), "failed twice: escalate");
  }

  @Test
  void keepalivesEveryTwentySecondsWhileDirect() {
    var m = machine(true);
    toDirect(m, PUB);
    var actions = run(m, Duration.ofSeconds(61));
    var pings = only(SendPing.class, actions);
    assertEquals(3, pings.size());
    assertTrue(pings.stream().allMatch(p -> p.to().equals(PUB) && p.ttl() == null));
  }

  @Test
  void answeredKeepalivesKeepThePathAndMeasureRtt() {
    var m = machine(true);
    toDirect(m, PUB);
    for (int i = 0; i < 5; i++) {
      var ping = nextPing(m);
      clock.advanceMillis(17);
      m.on(new PongReceived(ping.tx(), PUB, null));
    }
    assertEquals(PeerState.DIRECT, m.state());
    assertEquals(Duration.ofMillis(17), m.rtt());
    assertEquals(Duration.ZERO, m.sinceLastPong());
  }

  @Test
  void lossSuspendsWaitsOutStaleNatEntriesRepunchesAndResumes() {
    var m = machine(true);
    toDirect(m, PUB);
    var silent = run(m, Duration.ofSeconds(61));
    assertEquals(PeerState.DIRECT, m.state(), "two keepalives missed (at 22 and 42 s)");
    var loss = run(m, Duration.ofSeconds(2));
    assertEquals(PeerState.NO_PATH, m.state());
    assertEquals(1, only(SuspendPath.class, loss).size());
    assertEquals(1, only(SendCallMeMaybe.class, loss).size(), "the peer learns we re-punch");
    assertEquals(3, only(SendPing.class, silent).size());

    var wait = run(m, Duration.ofSeconds(33));
    assertEquals(List.of(), only(SendPing.class, wait), "nothing sent while stale entries expire");
    assertEquals(PeerState.NO_PATH, m.state());
    var punch = run(m, Duration.ofSeconds(2));
    assertEquals(PeerState.PUNCHING, m.state());
    assertEquals(2, only(SendPing.class, punch).getFirst().ttl(), "re-punch uses the opener");

    var ping = lastPingTo(punch, PUB);
    var resumed = m.on(new PongReceived(ping.tx(), PUB, null));
    assertEquals(List.of(new ConfigureDirectPath(PUB), new ResumePath()), resumed);
    m.on(new DataPathConfirmed(PUB));
    assertEquals(PeerState.DIRECT, m.state());
  }

  @Test
  void inboundDataCountsAsLiveness() {
    var m = machine(true);
    toDirect(m, PUB);
    for (int i = 0; i < 10; i++) {
      run(m, Duration.ofSeconds(10));
      m.on(new DataPathConfirmed(PUB));
    }
    assertEquals(PeerState.DIRECT, m.state());
  }

  @Test
  void pathLostFromTheDataPlaneSuspendsAtOnce() {
    var m = machine(true);
    toDirect(m, PUB);
    var actions = m.on(new PathLost("icmp port unreachable"));
    assertEquals(new SuspendPath(), actions.getFirst());
    assertEquals(PeerState.NO_PATH, m.state());
  }

  @Test
  void callMeMaybeWhileDirectSuspendsAndProbes() {
    var m = machine(false);
    toDirect(m, PUB);
    run(m, Duration.ofSeconds(5)); // a call_me_maybe within 5 s of our punch's own is not news
    var actions = m.on(new CallMeMaybeReceived(List.of(PUB)));
    assertEquals(new SuspendPath(), actions.getFirst());
    var probe = only(SendPing.class, actions).getFirst();
    assertEquals(PUB, probe.to());

    assertEquals(List.of(new ResumePath()), m.on(new PongReceived(probe.tx(), PUB, null)));
    assertEquals(PeerState.DIRECT, m.state());

    run(m, Duration.ofSeconds(5)); // past the window in which a call_me_maybe answers ours
    var again = m.on(new CallMeMaybeReceived(List.of(PUB)));
    assertEquals(1, only(SuspendPath.class, again).size());
    run(m, Duration.ofMillis(1900));
    assertEquals(PeerState.DIRECT, m.state());
    run(m, Duration.ofMillis(200));
    assertEquals(PeerState.NO_PATH, m.state(), "a probe unanswered for 2 s is a loss");
  }

  /**
   * The peer lost the path and sends through the relay: its relayed data is the news (the kernel
   * plane's call_me_maybe may come seconds late through a flushed NAT). We go silent on the direct
   * path at once (data takes the relay), probe, and call it lost 2 s later.
   */
  @Test
  void relayedDataWhileDirectSuspendsProbesAndFindsTheLossInTwoSeconds() {
    var m = machine(false);
    toDirect(m, PUB);
    run(m, Duration.ofSeconds(5));
    var actions = m.on(PeerEvent.RELAYED_DATA_RECEIVED);
    assertEquals(new SuspendPath(), actions.getFirst());
    assertEquals(PUB, only(SendPing.class, actions).getFirst().to());
    assertEquals(1, only(SendCallMeMaybe.class, actions).size(), "the peer learns we stopped");
    assertEquals(List.of(), m.on(PeerEvent.RELAYED_DATA_RECEIVED), "already suspect");
    run(m, Duration.ofMillis(2100));
    assertEquals(PeerState.NO_PATH, m.state());
  }

  @Test
  void relayedDataWhileDirectIsNoLossWhenTheProbeIsAnswered() {
    var m = machine(false);
    toDirect(m, PUB);
    run(m, Duration.ofSeconds(5));
    var probe = only(SendPing.class, m.on(PeerEvent.RELAYED_DATA_RECEIVED)).getFirst();
    clock.advanceMillis(2500); // late, past the miss time, yet within the ping timeout
    assertEquals(List.of(new ResumePath()), m.on(new PongReceived(probe.tx(), PUB, null)));
    assertEquals(
        List.of(),
        m.on(PeerEvent.RELAYED_DATA_RECEIVED),
        "within 5 s of our call_me_maybe: the peer's own suspicion answering ours, no news");
    run(m, Duration.ofSeconds(5));
    assertEquals(PeerState.DIRECT, m.state());
  }

  @Test
  void relayedDataOutsideDirectChangesNothing() {
    var m = machine(false);
    toDirect(m, PUB);
    m.on(new PathLost("test"));
    assertEquals(PeerState.NO_PATH, m.state());
    assertEquals(List.of(), m.on(PeerEvent.RELAYED_DATA_RECEIVED));
  }

  @Test
  void twoDirectPeersDoNotBounceCallMeMaybe() {
    var a = machine(true);
    var b = new PeerMachine(info(LAN), false, clock, new SplittableRandom(8), timings);
    toDirect(a, PUB);
    toDirect(b, LAN);
    run(a, Duration.ofSeconds(6));
    run(b, Duration.ofSeconds(6));
    // One stray call_me_maybe (a late one from b's punch, say) reaches a while both are direct.
    List<PeerAction> toA = List.of(new SendCallMeMaybe());
    int calls = 0;
    for (int hop = 0; hop < 20 && !toA.isEmpty(); hop++) {
      PeerMachine receiver = hop % 2 == 0 ? a : b;
      InetSocketAddress from = hop % 2 == 0 ? PUB : LAN;
      clock.advanceMillis(120); // one trip through the coordinator
      var out = new ArrayList<PeerAction>();
      for (var ignored : only(SendCallMeMaybe.class, toA)) {
        calls++;
        out.addAll(receiver.on(new CallMeMaybeReceived(List.of(from))));
      }
      clock.advanceMillis(10); // the probe's pong is quicker than the relay
      for (var ping : only(SendPing.class, out)) {
        out.addAll(receiver.on(new PongReceived(ping.tx(), from, null)));
      }
      toA = out;
    }
    assertTrue(calls <= 3, "call_me_maybe went back and forth " + calls + " times");
    assertEquals(PeerState.DIRECT, a.state());
    assertEquals(PeerState.DIRECT, b.state());
  }

  @Test
  void suspectedPeerHearsOnceWhenWeWentSilent() {
    var m = machine(false);
    toDirect(m, PUB);
    run(m, Duration.ofSeconds(5)); // a call_me_maybe within 5 s of our punch's own is not news
    var suspect = m.on(new CallMeMaybeReceived(List.of(PUB)));
    assertEquals(1, only(SendCallMeMaybe.class, suspect).size(), "with the probe");
    var lost = run(m, Duration.ofMillis(5100));
    assertEquals(PeerState.NO_PATH, m.state());
    assertEquals(List.of(), only(SendCallMeMaybe.class, lost), "not again on the loss");
  }

  @Test
  void thePeersFirstCallMeMaybeDuringOurSilenceExtendsIt() {
    var m = machine(true);
    toDirect(m, PUB);
    m.on(new PathLost("test"));
    run(m, Duration.ofSeconds(6));
    // The peer probed us (poisoning our NAT) and tells us now that it went silent.
    assertEquals(List.of(), m.on(new CallMeMaybeReceived(List.of(PUB))));
    run(m, Duration.ofSeconds(30));
    m.on(new CallMeMaybeReceived(List.of(PUB))); // a later one does not extend again
    run(m, Duration.ofSeconds(4));
    assertEquals(PeerState.NO_PATH, m.state(), "35 s after the peer's call_me_maybe, not ours");
    run(m, Duration.ofSeconds(2));
    assertEquals(PeerState.PUNCHING, m.state());
  }

  /**
   * A ping that arrives during the stale-NAT silence came in through our NAT: answer it and punch
   * back at its source alone, at normal TTL even as the opener; the other candidates stay silent.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aPingDuringTheSilencePunchesBackAtItsSourceOnly(boolean opener) {
    var m = machine(opener);
    toDirect(m, PUB);
    m.on(new PeerUpdated(info(PUB, LAN)));
    m.on(new PathLost("test"));
    run(m, Duration.ofSeconds(6));
    assertEquals(PeerState.NO_PATH, m.state());

    var answer = m.on(new PingReceived(new DiscoTxId(5, 6), PUB2));
    assertEquals(new SendPong(PUB2, new DiscoTxId(5, 6), PUB2), answer.getFirst());
    assertEquals(PeerState.PUNCHING, m.state());
    var pings = only(SendPing.class, answer);
    pings = pings.isEmpty() ? only(SendPing.class, run(m, Duration.ofMillis(300))) : pings;
    assertEquals(List.of(PUB2), pings.stream().map(SendPing::to).distinct().toList());
    assertTrue(pings.stream().allMatch(p -> p.ttl() == null), "normal TTL: " + pings);
    assertTrue(
        only(SendPing.class, run(m, Duration.ofSeconds(2))).stream()
            .allMatch(p -> p.to().equals(PUB2)),
        "the silence holds for the other candidates");

    var configured = m.on(new PongReceived(pings.getLast().tx(), PUB2, null));
    assertTrue(configured.contains(new ConfigureDirectPath(PUB2)), configured.toString());
    m.on(new DataPathConfirmed(PUB2));
    assertEquals(PeerState.DIRECT, m.state());
  }

  @Test
  void endpointChangeWhileDirectGoesSilentThenRepunchesToTheNewEndpoint() {
    var m = machine(true);
    toDirect(m, PUB);
    assertEquals(List.of(), m.on(new PeerUpdated(info(PUB, LAN))), "same list: nothing");

    var actions = m.on(new PeerUpdated(info(PUB2)));
    assertEquals(1, only(SuspendPath.class, actions).size(), "stop poisoning the far NAT");
    assertEquals(PeerState.NO_PATH, m.state());
    assertEquals(List.of(), only(SendPing.class, run(m, Duration.ofSeconds(30))), "silent");
    var repunch = run(m, Duration.ofSeconds(6));
    assertEquals(PeerState.PUNCHING, m.state());
    var toNew = lastPingTo(repunch, PUB2);
    var configured = m.on(new PongReceived(toNew.tx(), PUB2, null));
    assertTrue(configured.contains(new ConfigureDirectPath(PUB2)), configured.toString());
    m.on(new DataPathConfirmed(PUB2));
    assertEquals(PeerState.DIRECT, m.state());
    assertEquals(PUB2, m.endpoint());
  }

  @Test
  void pingFromUnknownPeerAddressIsAnsweredAndBecomesACandidate() {
    var m = machine(true);
    var actions = m.on(new PingReceived(new DiscoTxId(3, 4), OTHER));
    assertEquals(new SendPong(OTHER, new DiscoTxId(3, 4), OTHER), actions.getFirst());
    assertEquals(PeerState.PUNCHING, m.state());
    assertTrue(only(SendPing.class, actions).stream().anyMatch(p -> p.to().equals(OTHER)));
  }

  @Test
  void noActionStormUnderFloodsAndFastTicks() {
    var m = machine(true);
    m.on(new PeerUpdated(info(PUB, LAN)));
    var all = new ArrayList<PeerAction>();
    for (int ms = 0; ms < 10_000; ms++) {
      clock.advanceMillis(1);
      all.addAll(m.on(PeerEvent.TICK));
      all.addAll(m.on(new CallMeMaybeReceived(List.of(PUB, LAN))));
      all.addAll(m.on(new PeerUpdated(info(PUB, LAN))));
    }
    long pings = only(SendPing.class, all).size();
    long cmm = only(SendCallMeMaybe.class, all).size();
    assertTrue(pings <= 2 * 4 * 10 + 2, "pings " + pings + " (2 candidates, 4/s, 10 s)");
    assertTrue(cmm <= 11, "call_me_maybe " + cmm);
  }
}
