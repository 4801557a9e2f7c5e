package dev.gretun.core.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gretun.core.GretunException;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.daemon.ConnectRehearsal.Node;
import dev.gretun.core.keys.KeyStore;
import dev.gretun.core.keys.NodeKeys;
import dev.gretun.core.peer.PeerSnapshot;
import dev.gretun.core.util.FakeTicker;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Peer lists that arrive before our own endpoints are known are held (docs/DAEMON.md, "Two hosts
 * behind one NAT on the same port"), and a delta among them is applied after the full list it
 * amends, not instead of it. The node's STUN server never answers, so its endpoints become known
 * when the STUN deadline passes.
 */
class HeldPeerListsTest {
  private final FakeTicker clock = new FakeTicker();

  private static CoordWire.Peer peer(String name, String tunnelIp) {
    NodeKeys keys = KeyStore.generate(new SecureRandom());
    Base64.Encoder b64 = Base64.getEncoder();
    return new CoordWire.Peer(
        b64.encodeToString(keys.nodePublic()),
        b64.encodeToString(keys.discoPublic()),
        name,
        tunnelIp,
        List.of(),
        "t1",
        "unknown");
  }

  @Test
  void aDeltaHeldBeforeOurEndpointsAreKnownAmendsTheFullListBeforeIt() {
    List<GretunException> failures = new ArrayList<>();
    InetSocketAddress silentStun = new InetSocketAddress("192.0.2.99", 3478);
    Node x =
        ConnectRehearsal.node(
            new InMemoryCoordinator(),
            new InMemoryNetwork(),
            clock,
            "x",
            "100.64.0.1",
            "192.0.2.1",
            failures,
            List.of(silentStun));
    CoordWire.Peer p1 = peer("p1", "100.64.0.5");
    CoordWire.Peer p2 = peer("p2", "100.64.0.6");
    x.core().onPeers(new CoordWire.PeersResponse("c1", true, List.of(p1), List.of()));
    x.core().onPeers(new CoordWire.PeersResponse("c2", false, List.of(p2), List.of()));
    assertEquals(List.of(), names(x), "held while our endpoints are unknown");

    for (int i = 0; i < 80 && names(x).isEmpty(); i++) {
      clock.advanceMillis(50);
      x.core().tick(); // STUN retransmits, then gives up at its deadline
    }
    assertEquals(List.of("p1", "p2"), names(x));
    assertEquals(List.of(), failures);
  }

  private static List<String> names(Node n) {
    return n.core().snapshot().stream().map(PeerSnapshot::name).sorted().toList();
  }
}
