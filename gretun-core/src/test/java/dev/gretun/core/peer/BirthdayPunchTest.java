package dev.gretun.core.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.netcheck.NatType;
import dev.gretun.core.peer.PeerAction.BirthdayEnded;
import dev.gretun.core.peer.PeerAction.BirthdayProbe;
import dev.gretun.core.peer.PeerAction.BirthdayProbing;
import dev.gretun.core.peer.PeerAction.BirthdaySpray;
import dev.gretun.core.peer.PeerAction.BirthdayWon;
import dev.gretun.core.peer.PeerAction.ConfigureDirectPath;
import dev.gretun.core.peer.PeerAction.NoPath;
import dev.gretun.core.peer.PeerAction.SendCallMeMaybe;
import dev.gretun.core.peer.PeerAction.SendPing;
import dev.gretun.core.peer.PeerAction.SendPong;
import dev.gretun.core.peer.PeerEvent.CallMeMaybeReceived;
import dev.gretun.core.peer.PeerEvent.DataPathConfirmed;
import dev.gretun.core.peer.PeerEvent.LocalNatUpdated;
import dev.gretun.core.peer.PeerEvent.PeerUpdated;
import dev.gretun.core.peer.PeerEvent.PingReceived;
import dev.gretun.core.peer.PeerEvent.PongReceived;
import dev.gretun.core.util.FakeTicker;
import dev.gretun.core.wire.disco.DiscoTxId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The birthday punch's roles and state (docs/DAEMON.md, "Birthday punch") on one machine with a
 * fake clock: the easy side's probe rate and cap, the hard side's spray and winning socket, the end
 * of an attempt on success and on timeout, and the backoff after a failed one.
 */
class BirthdayPunchTest {
  private static final InetSocketAddress PEER_PUB = new InetSocketAddress("198.51.100.1", 7777);
  private static final InetSocketAddress PEER_LAN = new InetSocketAddress("10.0.2.10", 7777);

  private final FakeTicker clock = new FakeTicker();
  private final PeerTimings timings = PeerTimings.defaults();

  private PeerMachine machine(NatType local, boolean aggressive) {
    var m =
        new PeerMachine(
            new PeerInfo("peer", null, List.of()), true, clock, new SplittableRandom(5), timings);
    m.on(new LocalNatUpdated(local));
    m.setAggressivePunch(aggressive);
    return m;
  }

  private static List<PeerAction> peer(PeerMachine m, NatType peerNat) {
    return m.on(new PeerUpdated(new PeerInfo("peer", null, List.of(PEER_LAN, PEER_PUB), peerNat)));
  }

  private static <T extends PeerAction> List<T> only(Class<T> type, List<PeerAction> actions) {
    return actions.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private List<PeerAction> tick(PeerMachine m, long millis) {
    var all = new ArrayList<PeerAction>();
    for (long t = 0; t < millis; t += 10) {
      clock.advanceMillis(10);
      all.addAll(m.on(PeerEvent.TICK));
    }
    return all;
  }

  @Test
  void easySideProbesAtMost100PerSecondAnd1024InAll() {
    var m = machine(NatType.EASY, true);
    var start = peer(m, NatType.HARD);
    assertEquals("birthday_probe", m.role());
    assertEquals(PeerState.PUNCHING, m.state());
    assertEquals(1, only(SendCallMeMaybe.class, start).size());
    assertTrue(only(BirthdayProbe.class, start).isEmpty(), "waits for the hard side's call");
    assertTrue(only(BirthdayProbe.class, tick(m, 1000)).isEmpty());

    var go = m.on(new CallMeMaybeReceived(List.of(PEER_PUB)));
    var probes = new ArrayList<>(only(BirthdayProbe.class, go));
    var first = tick(m, 10);
    assertEquals(1, only(BirthdayProbing.class, first).size(), "one start line per attempt");
    probes.addAll(only(BirthdayProbe.class, first));
    for (int s = 1; s <= 10; s++) {
      probes.addAll(only(BirthdayProbe.class, tick(m, 1000)));
      assertTrue(probes.size() <= 1 + s * 100 + 1, s + " s: " + probes.size() + " probes");
      assertTrue(probes.size() >= s * 100 - 1, s + " s: " + probes.size() + " probes");
    }
    probes.addAll(only(BirthdayProbe.class, tick(m, 5000)));
    assertEquals(BirthdayPunch.MAX_PROBES, probes.size());
    for (BirthdayProbe p : probes) {
      assertEquals(PEER_PUB.getAddress(), p.to().getAddress(), "only the public address");
      assertTrue(p.to().getPort() >= 1024 && p.to().getPort() <= 65535);
    }
    assertTrue(probes.stream().map(BirthdayProbe::to).distinct().count() > 900, "random ports");
    assertTrue(only(SendPing.class, tick(m, 0)).isEmpty());
  }

  @Test
  void easySideTimesOutToRelayAndWaitsForTheBackoff() {
    var m = machine(NatType.EASY, true);
    peer(m, NatType.HARD);
    m.on(new CallMeMaybeReceived(List.of(PEER_PUB)));
    var attempt = tick(m, 19_990);
    assertTrue(only(NoPath.class, attempt).isEmpty());
    var end = tick(m, 20);
    assertEquals(
        List.of(new BirthdayEnded("timeout", BirthdayPunch.MAX_PROBES)),
        only(BirthdayEnded.class, end));
    assertEquals(1, only(NoPath.class, end).size());
    assertTrue(only(NoPath.class, end).getFirst().reason().contains("birthday punch timed out"));
    assertEquals(PeerState.NO_PATH, m.state());

    // The peer calls again at once: the probes reached its NAT, so no new attempt before 35 s.
    var early = new ArrayList<PeerAction>(m.on(new CallMeMaybeReceived(List.of(PEER_PUB))));
    early.addAll(tick(m, 34_000));
    assertTrue(only(BirthdayProbe.class, early).isEmpty());
    assertEquals(PeerState.NO_PATH, m.state());
    tick(m, 1_100);
    assertEquals(PeerState.PUNCHING, m.state(), "re-punch after the backoff");
  }

  @Test
  void easySideStopsProbingOnTheFirstPong() {
    var m = machine(NatType.EASY, true);
    peer(m, NatType.HARD);
    m.on(new CallMeMaybeReceived(List.of(PEER_PUB)));
    var probes = only(BirthdayProbe.class, tick(m, 500));
    BirthdayProbe hit = probes.get(17);
    var answer = m.on(new PongReceived(hit.tx(), hit.to(), PEER_PUB));
    assertEquals(
        List.of(new ConfigureDirectPath(hit.to())), only(ConfigureDirectPath.class, answer));
    assertEquals(
        List.of(new BirthdayEnded("direct", probes.size())), only(BirthdayEnded.class, answer));
    var after = tick(m, 2000);
    assertTrue(only(BirthdayProbe.class, after).isEmpty(), "no probe after the win");
    assertTrue(only(SendPing.class, after).stream().allMatch(p -> p.to().equals(hit.to())));
    m.on(new DataPathConfirmed(hit.to()));
    assertEquals(PeerState.DIRECT, m.state());
  }

  @Test
  void hardSideSpraysFromExtraSocketsAndKeepsTheWinner() {
    var m = machine(NatType.HARD, true);
    var start = peer(m, NatType.EASY);
    assertEquals("birthday_spray", m.role());
    assertEquals(
        List.of(new BirthdaySpray(List.of(PEER_PUB), BirthdayPunch.SOCKETS, 2)),
        only(BirthdaySpray.class, start));
    assertEquals(1, only(SendCallMeMaybe.class, start).size());
    assertTrue(only(SendPing.class, start).isEmpty(), "nothing from P");
    assertTrue(only(SendPing.class, tick(m, 3000)).isEmpty());

    DiscoTxId tx = DiscoTxId.random(new SplittableRandom(1));
    var won = m.on(new PingReceived(tx, PEER_PUB, 40001));
    assertEquals(List.of(new BirthdayWon(40001)), only(BirthdayWon.class, won));
    assertEquals(List.of(new BirthdayEnded("direct", 0)), only(BirthdayEnded.class, won));
    assertEquals(List.of(new SendPong(PEER_PUB, tx, PEER_PUB, 40001)), only(SendPong.class, won));
    assertEquals(List.of(new ConfigureDirectPath(PEER_PUB)), only(ConfigureDirectPath.class, won));

    var late = m.on(new PingReceived(DiscoTxId.random(new SplittableRandom(2)), PEER_PUB, 40002));
    assertTrue(late.isEmpty(), "a second socket hit after the win is ignored: " + late);

    var pings = only(SendPing.class, tick(m, 600));
    assertTrue(!pings.isEmpty());
    assertTrue(pings.stream().allMatch(p -> p.socket() == 40001 && p.to().equals(PEER_PUB)));
    m.on(new DataPathConfirmed(PEER_PUB));
    assertEquals(PeerState.DIRECT, m.state());
    var keepalive = only(SendPing.class, tick(m, 21_000));
    assertTrue(!keepalive.isEmpty() && keepalive.stream().allMatch(p -> p.socket() == 40001));
    var pong = m.on(new PingReceived(tx, PEER_PUB, 40001));
    assertEquals(40001, only(SendPong.class, pong).getFirst().socket(), "answers on the socket");
  }

  @Test
  void hardSideTimeoutEndsTheAttemptAndForgetsTheSockets() {
    var m = machine(NatType.HARD, true);
    peer(m, NatType.EASY);
    var end = tick(m, BirthdayPunch.TIMEOUT.toMillis() + 20);
    assertEquals(List.of(new BirthdayEnded("timeout", 0)), only(BirthdayEnded.class, end));
    assertEquals(1, only(NoPath.class, end).size());
    assertNull(m.endpoint());
    // A ping on a socket of the ended attempt starts nothing.
    var stray = m.on(new PingReceived(DiscoTxId.random(new SplittableRandom(3)), PEER_PUB, 40003));
    assertTrue(stray.isEmpty(), stray.toString());
  }

  @Test
  void anOrdinaryAttemptSwitchesOnceTheNatTypesCallForTheBirthdayPunch() {
    var easy = machine(NatType.UNKNOWN, true);
    peer(easy, NatType.HARD);
    assertEquals("answerer", easy.role(), "our type is not known yet");
    easy.on(new LocalNatUpdated(NatType.EASY));
    var switched = tick(easy, 10);
    assertEquals("birthday_probe", easy.role());
    assertEquals(PeerState.PUNCHING, easy.state());
    assertEquals(1, only(SendCallMeMaybe.class, switched).size());
    assertTrue(only(NoPath.class, switched).isEmpty());

    var hard = machine(NatType.HARD, true);
    peer(hard, NatType.UNKNOWN);
    assertEquals("first_full_ttl", hard.role());
    tick(hard, 1000);
    peer(hard, NatType.EASY);
    var spray = only(BirthdaySpray.class, tick(hard, 10));
    assertEquals(1, spray.size());
    assertEquals("birthday_spray", hard.role());
    assertTrue(only(BirthdaySpray.class, tick(hard, 5000)).isEmpty(), "one spray per attempt");
  }

  @Test
  void withoutTheFlagEasyHardStaysRelay() {
    var easy = machine(NatType.EASY, false);
    var actions = peer(easy, NatType.HARD);
    assertEquals("relay", easy.role());
    assertEquals(1, only(NoPath.class, actions).size());
    var hard = machine(NatType.HARD, false);
    assertTrue(only(BirthdaySpray.class, peer(hard, NatType.EASY)).isEmpty());
    assertEquals("relay", hard.role());
  }

  @Test
  void probeTargetsArePublicAddressesWhenThereAreAny() throws Exception {
    var lanOnly = List.of(PEER_LAN);
    assertEquals(List.of(PEER_LAN.getAddress()), BirthdayPunch.probeAddresses(lanOnly));
    assertEquals(List.of(PEER_PUB), BirthdayPunch.sprayTargets(List.of(PEER_LAN, PEER_PUB)));
    assertEquals(
        List.of(InetAddress.getByName("198.51.100.1")),
        BirthdayPunch.probeAddresses(List.of(PEER_LAN, PEER_PUB)));
  }
}
