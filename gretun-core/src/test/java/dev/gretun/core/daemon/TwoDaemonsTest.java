package dev.gretun.core.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.daemon.ConnectRehearsal.Node;
import dev.gretun.core.peer.PeerSnapshot;
import dev.gretun.core.util.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

/**
 * Two daemon cores against in-memory packet I/O and an in-memory coordinator, stepped with one fake
 * clock ({@link ConnectRehearsal}): both register their endpoints, learn each other, punch, prove
 * the data path through the in-memory planes (ICMP echo out, echo reply back) and go direct. No
 * sockets, no root, no sleeps.
 */
class TwoDaemonsTest {
  private final FakeTicker clock = new FakeTicker();
  private final InMemoryNetwork net = new InMemoryNetwork();
  private final InMemoryCoordinator coordinator = new InMemoryCoordinator();

  private Node node(String name, String tunnelIp, String address) {
    return ConnectRehearsal.node(
        coordinator, net, clock, name, tunnelIp, address, new ArrayList<>());
  }

  @Test
  void twoDaemonsFindEachOtherAndGoDirect() {
    Node a = node("a", "100.64.0.1", "192.0.2.1");
    Node b = node("b", "100.64.0.2", "198.51.100.2");
    Duration elapsed = ConnectRehearsal.stepUntilDirect(coordinator, net, clock, a, b);
    assertTrue(elapsed.compareTo(Duration.ofSeconds(2)) < 0, "direct after " + elapsed);
    PeerSnapshot ab = a.core().snapshot().getFirst();
    assertEquals("b", ab.name());
    assertEquals("direct", ab.path());
    assertEquals("198.51.100.2:7777", ab.endpoint());
    assertEquals("192.0.2.1:7777", b.core().snapshot().getFirst().endpoint());
    assertTrue(a.plane().rxPackets() > 0 && b.plane().rxPackets() > 0, "data went both ways");
    assertTrue(a.plane().echoRepliesSent + b.plane().echoRepliesSent > 0, "probes answered");
  }

  @Test
  void theRehearsalTheAotTrainingRunsConnectsItsPair() {
    Duration elapsed = ConnectRehearsal.run();
    assertTrue(elapsed.compareTo(Duration.ofSeconds(2)) < 0, "direct after " + elapsed);
  }
}
