package dev.gretun.core.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.netcheck.NatType;
import dev.gretun.core.peer.PeerAction.ConfigureDirectPath;
import dev.gretun.core.peer.PeerAction.NoPath;
import dev.gretun.core.peer.PeerAction.SendCallMeMaybe;
import dev.gretun.core.peer.PeerAction.SendPing;
import dev.gretun.core.peer.PeerAction.SendPong;
import dev.gretun.core.peer.PeerEvent.LocalNatUpdated;
import dev.gretun.core.peer.PeerEvent.PeerUpdated;
import dev.gretun.core.peer.PeerEvent.PingReceived;
import dev.gretun.core.peer.PeerEvent.PongReceived;
import dev.gretun.core.util.FakeTicker;
import dev.gretun.core.wire.disco.DiscoTxId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Who sends first, at which TTL, from the NAT types (docs/DAEMON.md, "Roles"); fake clock. */
class PeerRolesTest {
  private static final InetSocketAddress PEER_PUB = new InetSocketAddress("198.51.100.1", 7777);

  /** The hard peer's real mapping towards us: a port we were never told. */
  private static final InetSocketAddress PEER_REFLEXIVE =
      new InetSocketAddress("198.51.100.1", 40123);

  private final FakeTicker clock = new FakeTicker();
  private final PeerTimings timings = PeerTimings.defaults();

  private PeerMachine machine(boolean lowerKey, NatType local) {
    var m =
        new PeerMachine(
            new PeerInfo("peer", null, List.of()),
            lowerKey,
            clock,
            new SplittableRandom(3),
            timings);
    m.on(new LocalNatUpdated(local));
    return m;
  }

  private static List<PeerAction> peerWith(PeerMachine m, NatType peerNat) {
    return m.on(new PeerUpdated(new PeerInfo("peer", null, List.of(PEER_PUB), peerNat)));
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
  void easyPairKeepsTheLowTtlOpenerByKey() {
    var opener = machine(true, NatType.EASY);
    var pings = only(SendPing.class, peerWith(opener, NatType.CONE));
    assertEquals(1, pings.size());
    assertEquals(timings.openerTtls().getFirst(), pings.getFirst().ttl());
    assertEquals("opener_low_ttl", opener.role());

    var waiter = machine(false, NatType.EASY);
    var actions = peerWith(waiter, NatType.EASY);
    assertTrue(only(SendPing.class, actions).isEmpty(), "waits for the opener");
    assertEquals(1, only(SendCallMeMaybe.class, actions).size());
    assertEquals("waiter", waiter.role());
  }

  @Test
  void hardSideSendsFirstAtFullTtlWhateverTheKeyOrder() {
    for (boolean lowerKey : new boolean[] {true, false}) {
      var m = machine(lowerKey, NatType.HARD);
      var pings = only(SendPing.class, peerWith(m, NatType.CONE));
      assertEquals(1, pings.size(), "lowerKey=" + lowerKey);
      assertEquals(PEER_PUB, pings.getFirst().to());
      assertNull(pings.getFirst().ttl(), "full TTL: the ping must reach the cone NAT");
      assertTrue(m.opener());
      // Every later round is at full TTL too.
      var later = only(SendPing.class, tick(m, timings.pingInterval().toMillis() + 10));
      assertFalse(later.isEmpty());
      later.forEach(p -> assertNull(p.ttl()));
    }
  }

  @Test
  void coneSideWaitsThenLearnsTheHardPeersRealMappingFromItsPing() {
    for (boolean lowerKey : new boolean[] {true, false}) {
      var m = machine(lowerKey, NatType.CONE);
      var start = peerWith(m, NatType.HARD);
      assertTrue(only(SendPing.class, start).isEmpty(), "no ping before the hard side's");
      assertFalse(m.opener());
      assertEquals("answerer", m.role());

      DiscoTxId theirs = DiscoTxId.random(new SplittableRandom(9));
      var answer = m.on(new PingReceived(theirs, PEER_REFLEXIVE));
      assertEquals(
          PEER_REFLEXIVE,
          only(SendPong.class, answer).getFirst().to(),
          "answer where it came from");
      // The learnt address is pinged from the next round on (peer-reflexive candidate).
      var ourPings = new ArrayList<SendPing>(only(SendPing.class, answer));
      ourPings.addAll(only(SendPing.class, tick(m, timings.pingInterval().toMillis() + 10)));
      SendPing toReflexive =
          ourPings.stream().filter(p -> p.to().equals(PEER_REFLEXIVE)).findFirst().orElseThrow();
      assertNull(toReflexive.ttl());

      var chosen = m.on(new PongReceived(toReflexive.tx(), PEER_REFLEXIVE, PEER_REFLEXIVE));
      assertEquals(
          List.of(new ConfigureDirectPath(PEER_REFLEXIVE)),
          only(ConfigureDirectPath.class, chosen));
    }
  }

  @Test
  void bothHardIsNoPathAtOnceWithoutAPing() {
    for (boolean lowerKey : new boolean[] {true, false}) {
      var m = machine(lowerKey, NatType.HARD);
      var actions = peerWith(m, NatType.HARD);
      assertEquals(PeerState.NO_PATH, m.state(), "no punch timeout to wait for");
      assertTrue(only(SendPing.class, actions).isEmpty());
      assertEquals(1, only(NoPath.class, actions).size());
      assertTrue(only(NoPath.class, actions).getFirst().reason().contains("relay"));
      // Later re-punch timers find the same facts: no pings, no new transitions.
      var later = tick(m, 120_000);
      assertTrue(only(SendPing.class, later).isEmpty());
      assertTrue(only(PeerAction.Transition.class, later).isEmpty(), later.toString());
    }
  }

  @Test
  void hardFacingAPortFilteringNatIsNoPathAtOnce() {
    var hard = machine(true, NatType.HARD);
    peerWith(hard, NatType.EASY);
    assertEquals(PeerState.NO_PATH, hard.state());
    var easy = machine(false, NatType.EASY);
    peerWith(easy, NatType.HARD);
    assertEquals(PeerState.NO_PATH, easy.state());
  }

  @Test
  void aPeerTurningConeLetsTheNextPunchGoDirect() {
    var m = machine(true, NatType.HARD);
    peerWith(m, NatType.HARD);
    assertEquals(PeerState.NO_PATH, m.state());
    var actions = peerWith(m, NatType.CONE); // same endpoints, new NAT type
    assertEquals(PeerState.PUNCHING, m.state(), actions.toString());
    assertTrue(only(SendPing.class, actions).stream().allMatch(p -> p.ttl() == null));
  }
}
