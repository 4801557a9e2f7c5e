package dev.gretun.core.daemon;

import static dev.gretun.core.daemon.ConnectRehearsal.node;
import static dev.gretun.core.daemon.ConnectRehearsal.stateOfOnlyPeer;
import static dev.gretun.core.daemon.ConnectRehearsal.step;
import static dev.gretun.core.daemon.ConnectRehearsal.stepUntilDirect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.GretunException;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.daemon.ConnectRehearsal.Node;
import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.util.FakeTicker;
import dev.gretun.core.wire.disco.DiscoMessage;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Replays of captured disco envelopes against two direct daemon cores (in-memory network and
 * coordinator, one fake clock): call_me_maybe over UDP or re-delivered by the relay, a ping from an
 * attacker's address, stale and future send times. The path stays direct throughout.
 */
class SignalReplayTest {
  private final FakeTicker clock = new FakeTicker();
  private final InMemoryNetwork net = new InMemoryNetwork();
  private final InMemoryCoordinator coordinator = new InMemoryCoordinator();
  private final List<GretunException> failures = new ArrayList<>();
  private final InetSocketAddress attacker = addr("203.0.113.66", 4444);
  private Node a;
  private Node b;

  private static InetSocketAddress addr(String ip, int port) {
    return new InetSocketAddress(InetAddress.ofLiteral(ip), port);
  }

  @BeforeEach
  void direct() {
    a = node(coordinator, net, clock, "a", "100.64.0.1", "192.0.2.1", failures);
    b = node(coordinator, net, clock, "b", "100.64.0.2", "198.51.100.2", failures);
    stepUntilDirect(coordinator, net, clock, a, b);
  }

  private String discoOf(Node n) {
    return Base64.getEncoder().encodeToString(n.keys().discoPublic());
  }

  /** The last call_me_maybe a sent b through the relay, as the coordinator stored it. */
  private CoordWire.Envelope capturedCallMeMaybe() {
    String to = discoOf(b);
    CoordWire.Envelope last = null;
    for (Map.Entry<String, CoordWire.Envelope> e : coordinator.relayed) {
      if (e.getKey().equals(to)) {
        last = e.getValue();
      }
    }
    assertTrue(last != null, "a relayed a call_me_maybe to b while punching");
    return last;
  }

  private long refused(Node n, String reason) {
    return (long)
        n.metrics().registry().get("gretun_disco_refused").tag("reason", reason).counter().count();
  }

  private void assertStillDirect() {
    assertEquals("direct", stateOfOnlyPeer(a));
    assertEquals("direct", stateOfOnlyPeer(b));
    PeerRoute ba = b.plane().routes().iterator().next();
    assertTrue(ba.active(), "b still sends on the direct path: " + ba);
    assertTrue(failures.isEmpty(), failures.toString());
  }

  private void runFor(long millis) {
    for (long t = 0; t < millis; t += 50) {
      step(coordinator, net, clock, 50, a, b);
    }
  }

  @Test
  void callMeMaybeReplayedOverUdpIsRefusedEveryTime() {
    byte[] sealed = Base64.getDecoder().decode(capturedCallMeMaybe().sealed());
    InetSocketAddress bAt = addr("198.51.100.2", 7777);
    for (int i = 0; i < 5; i++) {
      net.send(attacker, bAt, sealed.clone());
      runFor(500);
    }
    assertEquals(5, refused(b, DiscoAdmission.CALL_ME_MAYBE_UDP));
    // Even from a's own endpoint (an on-path attacker can spoof it).
    net.send(addr("192.0.2.1", 7777), bAt, sealed.clone());
    runFor(500);
    assertEquals(6, refused(b, DiscoAdmission.CALL_ME_MAYBE_UDP));
    assertStillDirect();
  }

  @Test
  void callMeMaybeReDeliveredByTheRelayIsRefusedAsAReplay() {
    CoordWire.Envelope env = capturedCallMeMaybe();
    for (int i = 0; i < 3; i++) {
      coordinator.deliver(discoOf(b), env);
      runFor(1000);
    }
    assertEquals(3, refused(b, DiscoAdmission.REPLAYED));
    assertStillDirect();
    // Beyond the window the send time alone refuses it.
    runFor(61_000);
    coordinator.deliver(discoOf(b), env);
    runFor(50);
    assertEquals(1, refused(b, DiscoAdmission.STALE));
    assertStillDirect();
  }

  @Test
  void aRelayedEnvelopeUnderAnotherSendersNameIsRefused() {
    CoordWire.Envelope env = capturedCallMeMaybe();
    coordinator.deliver(
        discoOf(b),
        new CoordWire.Envelope(env.fromNode(), discoOf(b), env.sealed(), env.enqueuedAt()));
    runFor(50);
    assertEquals(1, refused(b, DiscoAdmission.RELAY_SENDER_MISMATCH));
  }

  @Test
  void aCallMeMaybeStampedInTheFutureIsRefused() {
    // Sealed with a's real key, but by a clock two minutes ahead (or a pre-made replay stock).
    InstantSource ahead =
        () -> Instant.ofEpochMilli(ConnectRehearsal.wallClock(clock).millis() + 120_000);
    DiscoCodec aCodec = new DiscoCodec(a.keys().discoPublic(), a.keys().discoPrivate(), ahead);
    byte[] sealed =
        aCodec.seal(discoOf(b), new DiscoMessage.CallMeMaybe(List.of(addr("192.0.2.1", 7777))));
    CoordWire.Envelope captured = capturedCallMeMaybe();
    coordinator.deliver(
        discoOf(b),
        new CoordWire.Envelope(
            captured.fromNode(), discoOf(a), Base64.getEncoder().encodeToString(sealed), "t"));
    runFor(50);
    assertEquals(1, refused(b, DiscoAdmission.FUTURE));
    assertStillDirect();
  }

  @Test
  void aReplayedPingPlantsNoCandidateAndGetsNoPong() {
    InetSocketAddress aAt = addr("192.0.2.1", 7777);
    InetSocketAddress bAt = addr("198.51.100.2", 7777);
    // Capture a's next keepalive ping to b off the wire (the longest disco datagram a sends b).
    int before = net.sent.size();
    runFor(30_000);
    byte[] ping = null;
    for (InMemoryNetwork.Datagram d : net.sent.subList(before, net.sent.size())) {
      if (d.from().equals(aAt)
          && d.to().equals(bAt)
          && d.payload() instanceof byte[] p
          && (ping == null || p.length > ping.length)) {
        ping = p;
      }
    }
    assertTrue(ping != null, "a pinged b within 30 s");
    int mark = net.sent.size();
    for (int i = 0; i < 5; i++) {
      net.send(attacker, bAt, ping.clone());
      runFor(200);
    }
    assertEquals(5, refused(b, DiscoAdmission.REPLAYED));
    long toAttacker =
        net.sent.subList(mark, net.sent.size()).stream()
            .filter(d -> d.to().equals(attacker))
            .count();
    assertEquals(0, toAttacker, "b sent nothing (no pong, no punch ping) to the attacker");
    assertStillDirect();
  }
}
