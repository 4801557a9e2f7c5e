package dev.gretun.core.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.util.FakeTicker;
import dev.gretun.core.wire.disco.DiscoTxId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PeerTableTest {
  static final InetSocketAddress EP_B = new InetSocketAddress("198.51.100.1", 7777);
  static final InetSocketAddress EP_C = new InetSocketAddress("198.51.100.2", 7777);

  private final FakeTicker clock = new FakeTicker();
  private final PeerTable<String> table =
      new PeerTable<>("m", clock, new SplittableRandom(1), PeerTimings.defaults());

  private static PeerInfo info(String name, String tunnelIp, InetSocketAddress... eps)
      throws Exception {
    return new PeerInfo(name, InetAddress.getByName(tunnelIp), List.of(eps));
  }

  private static long count(List<KeyedAction<String>> actions, String peer, Class<?> type) {
    return actions.stream()
        .filter(a -> a.peer().equals(peer) && type.isInstance(a.action()))
        .count();
  }

  @Test
  void reconcileAddsUpdatesAndRemovesPeersAndSkipsOurselves() throws Exception {
    var first =
        table.reconcile(
            Map.of(
                "b", info("bee", "100.64.0.2", EP_B),
                "z", info("zed", "100.64.0.9"),
                "m", info("me", "100.64.0.1", EP_C)));
    assertEquals(2, table.size());
    assertEquals(PeerState.PUNCHING, table.machine("b").orElseThrow().state(), "kicked at once");
    assertEquals(PeerState.UNKNOWN, table.machine("z").orElseThrow().state());
    assertEquals(
        1, count(first, "b", PeerAction.SendCallMeMaybe.class), "non-opener asks b to open");
    assertTrue(table.machine("m").isEmpty());

    assertEquals(
        List.of(),
        table.reconcile(
            Map.of("b", info("bee", "100.64.0.2", EP_B), "z", info("zed", "100.64.0.9"))),
        "unchanged list: no actions");

    var second = table.reconcile(Map.of("z", info("zed", "100.64.0.9", EP_C)));
    assertEquals(
        List.of(new KeyedAction<>("b", new PeerAction.RemovePeer())), second.subList(0, 1));
    assertEquals(PeerState.PUNCHING, table.machine("z").orElseThrow().state());
    assertTrue(table.machine("b").isEmpty());
  }

  @Test
  void openerIsTheSideWhoseKeySortsLower() throws Exception {
    table.reconcile(Map.of("b", info("b", "100.64.0.2"), "z", info("z", "100.64.0.3")));
    assertFalse(table.machine("b").orElseThrow().opener(), "b < m: b opens");
    assertTrue(table.machine("z").orElseThrow().opener(), "m < z: we open");
  }

  @Test
  void callMeMaybeBeforeThePeerIsListedIsReplayedWhenItAppears() throws Exception {
    assertEquals(List.of(), table.on("b", new PeerEvent.CallMeMaybeReceived(List.of(EP_B))));
    clock.advance(Duration.ofSeconds(1));
    var actions = table.reconcile(Map.of("b", info("bee", "100.64.0.2")));
    assertEquals(PeerState.PUNCHING, table.machine("b").orElseThrow().state());
    assertTrue(
        actions.stream()
            .anyMatch(a -> a.action() instanceof PeerAction.SendPing p && p.to().equals(EP_B)),
        "the stashed endpoints are pinged: " + actions);
  }

  @Test
  void staleStashedCallMeMaybeIsNotReplayed() throws Exception {
    table.on("b", new PeerEvent.CallMeMaybeReceived(List.of(EP_B)));
    clock.advance(Duration.ofSeconds(11));
    table.reconcile(Map.of("b", info("bee", "100.64.0.2")));
    assertEquals(PeerState.UNKNOWN, table.machine("b").orElseThrow().state());
  }

  @Test
  void eventsForUnknownPeersAreDropped() {
    assertEquals(List.of(), table.on("q", new PeerEvent.PingReceived(new DiscoTxId(1, 1), EP_B)));
    assertEquals(0, table.size());
  }

  @Test
  void countByStateListsEveryState() throws Exception {
    table.reconcile(Map.of("b", info("b", "100.64.0.2", EP_B), "z", info("z", "100.64.0.3")));
    var counts = table.countByState();
    assertEquals(5, counts.size());
    assertEquals(1, counts.get(PeerState.PUNCHING));
    assertEquals(1, counts.get(PeerState.UNKNOWN));
    assertEquals(0, counts.get(PeerState.DIRECT));
  }

  @Test
  void snapshotShowsDirectPeersWithEndpointRttAndTraffic() throws Exception {
    var start = table.reconcile(Map.of("z", info("zed", "100.64.0.9", EP_C)));
    var ping =
        start.stream()
            .map(KeyedAction::action)
            .filter(a -> a instanceof PeerAction.SendPing)
            .map(PeerAction.SendPing.class::cast)
            .findFirst()
            .orElseThrow();
    clock.advance(Duration.ofMillis(12));
    table.on("z", new PeerEvent.PongReceived(ping.tx(), EP_C, null));
    table.on("z", new PeerEvent.DataPathConfirmed(EP_C));
    table.setTraffic("z", 1000, 2000);
    clock.advance(Duration.ofMillis(500));

    var row = table.snapshot().getFirst();
    assertEquals(
        new PeerSnapshot(
            "z",
            "zed",
            "100.64.0.9",
            "direct",
            "direct",
            "198.51.100.2:7777",
            500L,
            12.0,
            1000,
            2000),
        row);
    String json = new ObjectMapper().writeValueAsString(row);
    for (String field :
        List.of(
            "\"key\"",
            "\"name\"",
            "\"tunnel_ip\"",
            "\"state\"",
            "\"path\"",
            "\"endpoint\"",
            "\"last_pong_ago_ms\"",
            "\"rtt_ms\"",
            "\"bytes_in\"",
            "\"bytes_out\"")) {
      assertTrue(json.contains(field), field + " in " + json);
    }
  }

  @Test
  void growingOutboundTrafficWithNoAnswerMakesTheMachineProbe() throws Exception {
    var start = table.reconcile(Map.of("z", info("zed", "100.64.0.9", EP_C)));
    var ping =
        start.stream()
            .map(KeyedAction::action)
            .filter(a -> a instanceof PeerAction.SendPing)
            .map(PeerAction.SendPing.class::cast)
            .findFirst()
            .orElseThrow();
    table.on("z", new PeerEvent.PongReceived(ping.tx(), EP_C, null));
    table.on("z", new PeerEvent.DataPathConfirmed(EP_C));
    assertEquals(PeerState.DIRECT, table.machine("z").orElseThrow().state());

    clock.advance(Duration.ofSeconds(4));
    assertEquals(List.of(), table.setTraffic("z", 0, 0), "nothing sent: no probe");
    assertEquals(1, count(table.setTraffic("z", 0, 1500), "z", PeerAction.SendPing.class));
    assertEquals(List.of(), table.setTraffic("z", 0, 1500), "no growth: nothing");
    assertEquals(List.of(), table.setTraffic("unknown", 0, 1500));
  }

  @Test
  void tickReachesEveryPeer() throws Exception {
    table.reconcile(Map.of("b", info("b", "100.64.0.2", EP_B), "z", info("z", "100.64.0.3", EP_C)));
    clock.advance(Duration.ofMillis(250));
    var actions = table.tick();
    assertTrue(count(actions, "z", PeerAction.SendPing.class) > 0);
  }
}
