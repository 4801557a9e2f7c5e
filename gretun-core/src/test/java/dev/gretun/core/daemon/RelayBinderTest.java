package dev.gretun.core.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.core.util.FakeTicker;
import dev.gretun.core.wire.relay.RelayBind;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RelayBinderTest {
  private static final InetSocketAddress RELAY = new InetSocketAddress("192.0.2.10", 3480);
  private final KeyPair node = Ed25519Keys.generate();
  private final byte[] nodePublic = Ed25519Keys.rawPublic(node.getPublic());
  private final FakeTicker ticker = new FakeTicker();
  private final RecordingDataplane plane = new RecordingDataplane();
  private final List<byte[]> sent = plane.sent;
  private final List<InetSocketAddress> sentTo = plane.sentTo;
  private final Map<String, String> nodeKeys =
      Map.of("discoB", b64(filled(2)), "discoC", b64(filled(3)));

  private static byte[] filled(int b) {
    byte[] k = new byte[32];
    Arrays.fill(k, (byte) b);
    return k;
  }

  private static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  private static PeerRoute route(String disco, int key, String ip) throws Exception {
    return PeerRoute.idle(disco, key, (Inet4Address) InetAddress.getByName(ip)).withRelay(RELAY);
  }

  private RelayBinder binder(InstantSource clock) {
    return new RelayBinder(RELAY, node.getPrivate(), nodePublic, plane, clock, ticker);
  }

  private RelayBind.Signed last() {
    byte[] d = sent.getLast();
    return RelayBind.decode(d, 0, d.length);
  }

  @Test
  void sendsASignedBindNamingRelayedPeersToTheRelay() throws Exception {
    RelayBinder b = binder(InstantSource.fixed(Instant.ofEpochMilli(1_000_000)));
    b.maintain(
        List.of(route("discoB", 0x11, "100.64.0.2"), route("discoC", 0x22, "100.64.0.3")),
        nodeKeys::get);
    assertEquals(List.of(RELAY), sentTo);
    RelayBind.Signed s = last();
    assertTrue(Ed25519Keys.verify(nodePublic, s.signedBytes(), s.signature()));
    assertArrayEquals(nodePublic, s.bind().nodeKey());
    assertEquals(0xC000020A, s.bind().relayIp());
    assertEquals(3480, s.bind().relayPort());
    assertEquals(1_000_000, s.bind().timestampMillis());
    assertEquals(
        List.of(new RelayBind.Entry(filled(2), 0x11), new RelayBind.Entry(filled(3), 0x22)),
        s.bind().entries());
  }

  @Test
  void aPeerOnADirectPathIsNotNamedAndAChangeIsSentAtOnce() throws Exception {
    RelayBinder b = binder(InstantSource.fixed(Instant.ofEpochMilli(5)));
    PeerRoute toB = route("discoB", 0x11, "100.64.0.2");
    b.maintain(List.of(toB), nodeKeys::get);
    b.maintain(List.of(toB), nodeKeys::get);
    assertEquals(1, sent.size(), "nothing changed, nothing due");
    b.maintain(
        List.of(toB.withEndpoint(new InetSocketAddress("198.51.100.10", 7777))), nodeKeys::get);
    assertEquals(2, sent.size());
    assertEquals(List.of(), last().bind().entries());
    assertTrue(
        last().bind().timestampMillis() > 5, "timestamps strictly increase on a fixed clock");
  }

  @Test
  void refreshesEveryTwentySeconds() throws Exception {
    RelayBinder b = binder(InstantSource.system());
    PeerRoute toB = route("discoB", 0x11, "100.64.0.2");
    b.maintain(List.of(toB), nodeKeys::get);
    ticker.advance(java.time.Duration.ofSeconds(19));
    b.maintain(List.of(toB), nodeKeys::get);
    assertEquals(1, sent.size());
    ticker.advance(java.time.Duration.ofSeconds(1));
    b.maintain(List.of(toB), nodeKeys::get);
    assertEquals(2, sent.size());
  }

  @Test
  void peersWithoutAKnownNodeKeyAreSkipped() throws Exception {
    binder(InstantSource.system())
        .maintain(List.of(route("discoX", 9, "100.64.0.9")), nodeKeys::get);
    assertEquals(List.of(), last().bind().entries());
  }
}
