package dev.gretun.core.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.crypto.X25519;
import dev.gretun.core.dataplane.PeerRoute;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a node accepts from the coordinator's peer list (a hostile coordinator's list here). */
class PeerDirectoryTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final byte[] selfSecret = X25519.generatePrivate(RANDOM);
  private final String self = b64(X25519.publicKey(selfSecret));
  private final DiscoCodec codec =
      new DiscoCodec(X25519.publicKey(selfSecret), selfSecret, InstantSource.system());
  private final List<String> logged = new ArrayList<>();
  private final PeerDirectory directory =
      new PeerDirectory(
          new PeerFilter(
              TunnelPool.fromRegistration(
                  new CoordWire.RegisterResponse(
                      "n", "100.64.0.2", 24, "100.64.0.0/24", List.of(), "c", true, 25, null)),
              self,
              codec::greKey),
          logged::add);

  private static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  private static String freshKey() {
    return b64(X25519.publicKey(X25519.generatePrivate(RANDOM)));
  }

  private static CoordWire.Peer peer(String name, String ip, String... endpoints) {
    return keyed(freshKey(), name, ip, endpoints);
  }

  private static CoordWire.Peer keyed(String disco, String name, String ip, String... endpoints) {
    List<CoordWire.Endpoint> eps = new ArrayList<>();
    for (String e : endpoints) {
      eps.add(new CoordWire.Endpoint(e, "stun"));
    }
    return new CoordWire.Peer("node-" + name, disco, name, ip, eps, "t", "easy");
  }

  private PeerDirectory.Update full(CoordWire.Peer... peers) {
    return directory.update(new CoordWire.PeersResponse("c", true, List.of(peers), List.of()));
  }

  /**
   * The peer's STUN mapping is the endpoint it posted with source {@code stun} (and we accepted); a
   * peer that posted only local ones has none (its STUN had not answered).
   */
  @Test
  void thePeersMappingIsItsAcceptedStunEndpoint() {
    CoordWire.Peer with =
        posted("with", "100.64.0.3", local("10.0.2.10:7777"), stun("198.51.100.10:40001"));
    CoordWire.Peer lanOnly = posted("lan", "100.64.0.4", local("10.0.3.10:7777"));
    CoordWire.Peer refused =
        posted("refused", "100.64.0.5", local("10.0.4.10:7777"), stun("127.0.0.1:7777"));
    PeerDirectory.Update u = full(with, lanOnly, refused);
    assertEquals(
        new java.net.InetSocketAddress("198.51.100.10", 40001),
        u.peers().get(with.discoKey()).mapped());
    assertEquals(null, u.peers().get(lanOnly.discoKey()).mapped());
    assertEquals(
        null, u.peers().get(refused.discoKey()).mapped(), "a refused endpoint is nobody's mapping");
  }

  private static CoordWire.Endpoint local(String addr) {
    return new CoordWire.Endpoint(addr, "local");
  }

  private static CoordWire.Endpoint stun(String addr) {
    return new CoordWire.Endpoint(addr, "stun");
  }

  private static CoordWire.Peer posted(String name, String ip, CoordWire.Endpoint... endpoints) {
    return new CoordWire.Peer(
        "node-" + name, freshKey(), name, ip, List.of(endpoints), "t", "easy");
  }

  @Test
  void onlyPeersInsideThePoolWithUsableEndpointsGetRoutes() {
    CoordWire.Peer good =
        peer(
            "good",
            "100.64.0.3",
            "198.51.100.10:7777",
            "127.0.0.1:7777",
            "0.0.0.0:7777",
            "224.0.0.1:7777",
            "255.255.255.255:7777",
            "198.51.100.10:0",
            "198.51.100.010:7777",
            "localhost:7777",
            "[::1]:7777");
    PeerDirectory.Update u =
        full(
            keyed(self, "me", "100.64.0.2"), // ourselves: skipped silently
            good,
            peer("google", "8.8.8.8", "192.0.2.1:7777"),
            peer("gateway", "10.0.1.1", "192.0.2.1:7777"),
            peer("ownip", "100.64.0.2"),
            peer("network", "100.64.0.0"),
            peer("broadcast", "100.64.0.255"),
            peer("octal", "100.64.0.010"),
            peer("short", "100.64.3"),
            peer("dns", "localhost"),
            peer("twin1", "100.64.0.7"),
            peer("twin2", "100.64.0.7"),
            keyed(b64(new byte[32]), "smallorder", "100.64.0.8"),
            peer("bad name\nlevel=ERROR", "100.64.0.9"));
    assertEquals(List.of(good.discoKey()), List.copyOf(u.peers().keySet()));
    assertEquals(1, directory.routes().size());
    PeerRoute r = directory.route(good.discoKey());
    assertEquals("100.64.0.3", r.tunnelIp().getHostAddress());
    assertEquals(codec.greKey(good.discoKey()), r.greKey());
    assertEquals(
        List.of("198.51.100.10:7777"),
        u.peers().get(good.discoKey()).endpoints().stream()
            .map(dev.gretun.core.wire.disco.Endpoints::format)
            .toList());
    assertEquals(8, count("endpoint_refused"), String.join("\n", logged));
    assertEquals(12, count("peer_refused"), String.join("\n", logged));
    assertTrue(has("name=google tunnel_ip=8.8.8.8 reason=\"outside the pool 100.64.0.0/24\""));
    assertTrue(has("name=gateway tunnel_ip=10.0.1.1 reason=\"outside the pool"));
    assertTrue(has("name=ownip tunnel_ip=100.64.0.2 reason=\"our own address\""));
    assertTrue(has("name=network tunnel_ip=100.64.0.0 reason=\"network address\""));
    assertTrue(has("name=broadcast tunnel_ip=100.64.0.255 reason=\"broadcast address\""));
    assertTrue(has("name=octal tunnel_ip=100.64.0.010 reason=\"not a canonical IPv4 literal\""));
    assertTrue(has("name=twin1 tunnel_ip=100.64.0.7 reason=\"tunnel_ip also listed"));
    assertTrue(has("name=twin2 tunnel_ip=100.64.0.7 reason=\"tunnel_ip also listed"));
    assertTrue(has("name=smallorder tunnel_ip=100.64.0.8 reason=\"disco_key unusable\""));
    assertTrue(has("name=bad?name?level=ERROR"), "no log injection: " + logged);
    assertTrue(has("endpoint_refused peer=good addr=127.0.0.1:7777 reason=\"loopback address\""));
    assertTrue(has("endpoint_refused peer=good addr=0.0.0.0:7777 reason=\"unspecified address\""));
    assertFalse(logged.stream().anyMatch(l -> l.contains("\n")));
  }

  @Test
  void refusalsAreLoggedWhenTheyChangeNotOnEveryPoll() {
    CoordWire.Peer google = peer("google", "8.8.8.8");
    CoordWire.Peer good = peer("good", "100.64.0.3", "127.0.0.1:7777");
    full(google, good);
    assertEquals(2, logged.size(), String.join("\n", logged));
    for (int i = 0; i < 5; i++) {
      full(google, good); // long-poll answers repeating the same list
      directory.update(new CoordWire.PeersResponse("c", false, List.of(), List.of()));
    }
    assertEquals(2, logged.size(), String.join("\n", logged));
    full(keyed(google.discoKey(), "google", "100.64.0.4"), good); // fixed: accepted, nothing new
    assertEquals(2, logged.size());
    assertEquals(2, directory.routes().size());
    full(keyed(google.discoKey(), "google", "8.8.8.8"), good); // broken again: logged again
    assertEquals(3, logged.size());
    assertEquals(1, directory.routes().size(), "the refused peer's route is gone");
  }

  @Test
  void aDeltaCannotSneakARefusedPeerIn() {
    CoordWire.Peer good = peer("good", "100.64.0.3");
    full(good);
    directory.update(
        new CoordWire.PeersResponse(
            "c2", false, java.util.Arrays.asList(peer("evil", "192.0.2.1"), null), null));
    assertEquals(1, directory.routes().size());
    assertTrue(directory.isKnown(good.discoKey()));
  }

  private long count(String event) {
    return logged.stream().filter(l -> l.startsWith(event + " ")).count();
  }

  private boolean has(String fragment) {
    return logged.stream().anyMatch(l -> l.contains(fragment));
  }
}
