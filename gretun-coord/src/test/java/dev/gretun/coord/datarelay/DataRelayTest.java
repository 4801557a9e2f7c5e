package dev.gretun.coord.datarelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.core.util.Ticker;
import dev.gretun.core.wire.relay.RelayBind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay over real loopback UDP: members bind with signed binds and exchange keyed GRE; every
 * refusal is an attack performed for real (unbound sender, bad signature, replayed bind from
 * another address, spoofed source port from another address, a member claiming another pair's key,
 * stale and future timestamps, a non-member, a flood over the rate limit).
 */
class DataRelayTest {
  private static final int K_AB = 0x1234_5678;
  private final Set<String> members = ConcurrentHashMap.newKeySet();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private DataRelay relay;

  private final class Node implements AutoCloseable {
    final KeyPair keys = Ed25519Keys.generate();
    final DatagramSocket socket;
    long ts = System.currentTimeMillis();

    Node(String ip, boolean member) throws Exception {
      socket = new DatagramSocket(new InetSocketAddress(ip, 0));
      socket.setSoTimeout(300);
      if (member) {
        members.add(key());
      }
      closing.add(this);
    }

    String key() {
      return Base64.getEncoder().encodeToString(raw());
    }

    byte[] raw() {
      return Ed25519Keys.rawPublic(keys.getPublic());
    }

    byte[] bindDatagram(List<RelayBind.Entry> entries, long timestamp) {
      InetSocketAddress r = relay.localAddress();
      int ip = ByteBuffer.wrap(r.getAddress().getAddress()).getInt();
      RelayBind b = new RelayBind(raw(), timestamp, ip, r.getPort(), entries);
      return b.encode(Ed25519Keys.sign(keys.getPrivate(), b.toBeSigned()));
    }

    byte[] bind(Node peer, int key) throws Exception {
      byte[] d = bindDatagram(List.of(new RelayBind.Entry(peer.raw(), key)), ++ts);
      send(d);
      return d;
    }

    void send(byte[] d) throws Exception {
      socket.send(new DatagramPacket(d, d.length, relay.localAddress()));
    }

    byte[] receive() throws Exception {
      byte[] buf = new byte[2048];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(p);
      } catch (SocketTimeoutException e) {
        return null;
      }
      return java.util.Arrays.copyOf(buf, p.getLength());
    }

    @Override
    public void close() {
      socket.close();
    }
  }

  private static byte[] gre(int key, int seq) {
    return ByteBuffer.allocate(28)
        .putInt(0x2000_0800)
        .putInt(key)
        .putInt(0x4500_0014)
        .putInt(seq)
        .array();
  }

  private void start(RelaySettings s) {
    relay =
        DataRelay.start(
            s,
            members::contains,
            new SimpleMeterRegistry(),
            InstantSource.system(),
            Ticker.system());
  }

  private void start() {
    start(RelaySettings.of(new InetSocketAddress("127.0.0.1", 0)));
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    if (relay != null) {
      relay.close();
    }
  }

  /** Binds a and b to each other and waits until a's GRE reaches b. */
  private void pair(Node a, Node b) throws Exception {
    a.bind(b, K_AB);
    b.bind(a, K_AB);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline) {
      a.send(gre(K_AB, 0));
      if (b.receive() != null) {
        return;
      }
    }
    throw new AssertionError("a's GRE never reached b");
  }

  @Test
  void forwardsKeyedGreBetweenMutuallyBoundMembersUnchanged() throws Exception {
    start();
    Node a = new Node("127.0.0.1", true);
    Node b = new Node("127.0.0.1", true);
    pair(a, b);
    byte[] pkt = gre(K_AB, 42);
    a.send(pkt);
    assertArrayEquals(pkt, b.receive());
    b.send(gre(K_AB, 43));
    assertArrayEquals(gre(K_AB, 43), a.receive());
  }

  @Test
  void anUnboundSenderGetsNothingForwarded() throws Exception {
    start();
    Node a = new Node("127.0.0.1", true);
    Node b = new Node("127.0.0.1", true);
    Node outsider = new Node("127.0.0.1", false);
    pair(a, b);
    for (int i = 0; i < 20; i++) {
      outsider.send(gre(K_AB, i));
    }
    assertNull(b.receive());
    assertEquals(20, relay.packets("unbound"));
  }

  @Test
  void aNonMemberCannotBind() throws Exception {
    start();
    Node b = new Node("127.0.0.1", true);
    Node outsider = new Node("127.0.0.1", false);
    outsider.bind(b, K_AB);
    b.bind(outsider, K_AB);
    awaitBinds(BindAdmission.Outcome.NOT_MEMBER, 1);
    outsider.send(gre(K_AB, 1));
    assertNull(b.receive());
  }

  @Test
  void aBindWithABadSignatureIsRefused() throws Exception {
    start();
    Node a = new Node("127.0.0.1", true);
    Node b = new Node("127.0.0.1", true);
    b.bind(a, K_AB);
    byte[] d = a.bindDatagram(List.of(new RelayBind.Entry(b.raw(), K_AB)), ++a.ts);
    d[d.length - 1] ^= 1;
    a.send(d);
    awaitBinds(BindAdmission.Outcome.BAD_SIGNATURE, 1);
    a.send(gre(K_AB, 1));
    assertNull(b.receive());
  }

  @Test
  void aCapturedBindReplayedFromAnotherAddressIsRefused() throws Exception {
    start();
    Node a = new Node("127.0.0.1", true);
    Node b = new Node("127.0.0.1", true);
    byte[] captured = a.bind(b, K_AB);
    b.bind(a, K_AB);
    pair(a, b);
    Node attacker = new Node("127.0.0.2", false);
    attacker.send(captured);
    awaitBinds(BindAdmission.Outcome.REPLAYED, 1);
    b.send(gre(K_AB, 7));
    assertArrayEquals(gre(K_AB, 7), a.receive(), "a's binding is untouched");
    assertNull(attacker.receive(), "the attacker receives nothing of b's traffic");
  }

  @Test
  void spoofingABoundNodesPortFromAnotherAddressForwardsNothing() throws Exception {
    start();
    Node a = new Node("127.0.0.1", true);
    Node b = new Node("127.0.0.1", true);
    pair(a, b);
    int aPort = a.socket.getLocalPort();
    try (DatagramSocket spoof = new DatagramSocket(new InetSocketAddress("127.0.0.2", aPort))) {
      for (int i = 0; i < 20; i++) {
        byte[] p = gre(K_AB, i);
        spoof.send(new DatagramPacket(p, p.length, relay.localAddress()));
      }
    }
    assertNull(b.receive());
    assertEquals(20, relay.packets("unbound"));
  }

  @Test
  void aMemberCannotClaimAnotherPairsKey() throws Exception {
    start();
    Node a = new Node("127.0.0.1", true);
    Node b = new Node("127.0.0.1", true);
    Node m = new Node("127.0.0.1", true);
    pair(a, b);
    m.bind(b, K_AB); // m names b with a-b's key; b never named m
    awaitBinds(BindAdmission.Outcome.ACCEPTED, 3);
    for (int i = 0; i < 10; i++) {
      m.send(gre(K_AB, i));
    }
    assertNull(b.receive());
    assertEquals(10, relay.packets("not_mutual"));
    b.send(gre(K_AB, 1));
    assertArrayEquals(gre(K_AB, 1), a.receive(), "b's traffic still goes to a only");
    assertNull(m.receive());
  }

  @Test
  void aMemberSpoofingAnotherMembersSourceCannotTakeItsBinding() throws Exception {
    start();
    Node a = new Node("127.0.0.1", true);
    Node b = new Node("127.0.0.1", true);
    pair(a, b);
    // m's own valid bind, sent from a's address and port (what IP spoofing would achieve)
    Node m = new Node("127.0.0.2", true);
    byte[] d = m.bindDatagram(List.of(new RelayBind.Entry(b.raw(), 99)), ++m.ts);
    m.socket.close();
    int aPort = a.socket.getLocalPort();
    a.socket.close();
    try (DatagramSocket spoof = new DatagramSocket(new InetSocketAddress("127.0.0.1", aPort))) {
      spoof.send(new DatagramPacket(d, d.length, relay.localAddress()));
    }
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (relay.bindsSourceTaken() < 1 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(1, relay.bindsSourceTaken());
  }

  @Test
  void staleAndFutureBindsAreRefused() throws Exception {
    start();
    Node a = new Node("127.0.0.1", true);
    Node b = new Node("127.0.0.1", true);
    long now = System.currentTimeMillis();
    a.send(a.bindDatagram(List.of(new RelayBind.Entry(b.raw(), K_AB)), now - 61_000));
    a.send(a.bindDatagram(List.of(new RelayBind.Entry(b.raw(), K_AB)), now + 61_000));
    a.send(a.bindDatagram(List.of(new RelayBind.Entry(b.raw(), K_AB)), Long.MIN_VALUE));
    awaitBinds(BindAdmission.Outcome.STALE, 2);
    awaitBinds(BindAdmission.Outcome.FUTURE, 1);
  }

  @Test
  void aNodeOverItsPacketRateIsCutOff() throws Exception {
    start(
        new RelaySettings(
            new InetSocketAddress("127.0.0.1", 0), null, 50, 1 << 20, Duration.ofSeconds(60)));
    Node a = new Node("127.0.0.1", true);
    Node b = new Node("127.0.0.1", true);
    pair(a, b);
    for (int i = 0; i < 500; i++) {
      a.send(gre(K_AB, i));
    }
    int got = 0;
    while (b.receive() != null) {
      got++;
    }
    assertTrue(got < 120, "forwarded " + got + " of 500 with 50/s allowed");
    assertTrue(
        relay.packets("rate_limited") > 300, "rate_limited " + relay.packets("rate_limited"));
  }

  private void awaitBinds(BindAdmission.Outcome o, long n) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (relay.binds(o) < n && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(n, relay.binds(o), o.label());
  }
}
