package dev.gretun.core.dataplane.userspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.os.Errno;
import dev.gretun.core.os.Namespaces;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.os.TunDevice;
import dev.gretun.core.testing.Netns;
import dev.gretun.core.wire.gre.GreHeader;
import dev.gretun.core.wire.ip.Ipv4Packets;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The userspace plane end to end on this machine's kernel, in a throwaway namespace: a real TUN
 * device (10.77.0.1/24), port P on loopback, and a fake peer "b" (tunnel 10.77.0.2) whose endpoint
 * is a loopback UDP socket. Covers source enforcement, a GRE key two peers share, and errnos
 * injected on the send path (through {@link UdpPort#interceptSends}).
 */
class UserspaceDataplaneNetnsTest {
  private static final int KEY = 0x0badcafe;
  private static final String TUN = "gtu0";
  private static final int OWN = ip("10.77.0.1");
  private static final int B = ip("10.77.0.2");
  private static final int C = ip("10.77.0.3");
  private static final int APP_PORT = 5000;

  private final DataplaneCounters counters = new DataplaneCounters();
  private final ConcurrentLinkedQueue<Integer> faults = new ConcurrentLinkedQueue<>();
  private final CompletableFuture<String> failure = new CompletableFuture<>();
  private Netns ns;
  private UserspaceDataplane dp;
  private UdpPort port;
  private DatagramChannel peer; // b's endpoint
  private DatagramChannel app; // an application on this node, bound to our tunnel address

  @BeforeEach
  void setUp() throws Exception {
    ns = Netns.create();
    ns.ip("link", "set", "lo", "up");
    TunDevice tun = Namespaces.inNetns(ns.path(), () -> TunDevice.openWithOffloads(TUN));
    ns.ip("addr", "add", "10.77.0.1/24", "dev", TUN);
    ns.ip("link", "set", TUN, "up");
    port = Namespaces.inNetns(ns.path(), () -> UdpPort.bind(0, 100));
    port.interceptSends(
        real ->
            (v, from, n) -> {
              Integer errno = faults.poll();
              return errno != null ? -errno : real.send(v, from, n);
            });
    peer = Namespaces.inNetns(ns.path(), () -> channel("127.0.0.1", 0));
    app = Namespaces.inNetns(ns.path(), () -> channel("10.77.0.1", APP_PORT));
    dp = new UserspaceDataplane(tun, port, counters);
    dp.onFailure(failure::complete);
    dp.start(p -> true);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (dp != null) {
      dp.close();
    }
    for (DatagramChannel c : new DatagramChannel[] {peer, app}) {
      if (c != null) {
        c.close();
      }
    }
    if (ns != null) {
      ns.close();
    }
  }

  private static DatagramChannel channel(String ip, int port) throws java.io.IOException {
    DatagramChannel c = DatagramChannel.open();
    c.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
    c.bind(new InetSocketAddress(ip, port));
    c.configureBlocking(false);
    return c;
  }

  private PeerRoute route(String name, int tunnelIp) throws Exception {
    return PeerRoute.idle(name, KEY, (java.net.Inet4Address) SockAddrIn.toInet(tunnelIp))
        .withEndpoint((InetSocketAddress) peer.getLocalAddress());
  }

  /** b sends keyed GRE to port P carrying UDP from {@code innerSrc} to our app. */
  private void peerSends(int innerSrc, String text) throws Exception {
    sendsFrom(peer, innerSrc, text);
  }

  /** Keyed GRE from {@code from} to port P carrying UDP from {@code innerSrc} to our app. */
  private void sendsFrom(DatagramChannel from, int innerSrc, String text) throws Exception {
    byte[] inner =
        Ipv4Packets.udp(
            innerSrc, 4000, OWN, APP_PORT, 64, text.getBytes(StandardCharsets.US_ASCII));
    byte[] gre = new byte[GreHeader.HEADER + inner.length];
    GreHeader.encodeKeyed(gre, 0, GreHeader.PROTO_IPV4, KEY);
    System.arraycopy(inner, 0, gre, GreHeader.HEADER, inner.length);
    from.send(ByteBuffer.wrap(gre), new InetSocketAddress("127.0.0.1", port.port()));
  }

  /** Everything that reached {@code c} within {@code millis}, as text (GRE: the inner payload). */
  private static List<String> drain(DatagramChannel c, long millis, boolean gre) throws Exception {
    List<String> got = new ArrayList<>();
    ByteBuffer buf = ByteBuffer.allocate(65536);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < deadline) {
      buf.clear();
      if (c.receive(buf) == null) {
        Thread.sleep(10);
        continue;
      }
      buf.flip();
      int skip = gre ? GreHeader.HEADER + 28 : 0; // GRE + inner IPv4 + UDP headers
      got.add(new String(buf.array(), skip, buf.limit() - skip, StandardCharsets.US_ASCII));
    }
    return got;
  }

  private static void await(BooleanSupplier done, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!done.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
      Thread.sleep(10);
    }
  }

  @Test
  void innerSourceMustBeThePeersTunnelAddress() throws Exception {
    dp.apply(List.of(route("b", B)));
    peerSends(ip("10.77.0.9"), "spoofed-9");
    peerSends(C, "spoofed-c");
    peerSends(B, "genuine");
    assertEquals(List.of("genuine"), drain(app, 1500, false));
    assertEquals(2, counters.dropSpoofedSource.sum());
    assertEquals(1, counters.rxPackets.sum());
  }

  /**
   * While we send to b directly, b's data arriving through the relay is reported as relayed (b has
   * left the direct path: the daemon probes it at once), never as inbound on the direct path.
   */
  @Test
  void relayedDataWhileSendingDirectIsReportedAsSuch() throws Exception {
    try (DatagramChannel relay = Namespaces.inNetns(ns.path(), () -> channel("127.0.0.1", 0))) {
      dp.apply(List.of(route("b", B).withRelay((InetSocketAddress) relay.getLocalAddress())));
      sendsFrom(relay, B, "relayed");
      assertEquals(List.of("relayed"), drain(app, 1000, false));
      var t = dp.readTraffic().get("b");
      assertTrue(t.relayedSeen(), "relayed while we send direct");
      assertFalse(t.inboundSeen(), "relayed data proves nothing about the direct path");
      peerSends(B, "direct");
      assertEquals(List.of("direct"), drain(app, 1000, false));
      t = dp.readTraffic().get("b");
      assertTrue(t.inboundSeen());
      assertFalse(t.relayedSeen(), "cleared by the previous read");

      dp.apply(
          List.of(
              route("b", B)
                  .withRelay((InetSocketAddress) relay.getLocalAddress())
                  .withSending(false)));
      sendsFrom(relay, B, "relayed-2");
      assertEquals(List.of("relayed-2"), drain(app, 1000, false));
      assertFalse(dp.readTraffic().get("b").relayedSeen(), "we use the relay ourselves: no news");
    }
  }

  @Test
  void aSecondPeerOnTheSameKeyIsRefusedAndTheFirstKeepsItsPath() throws Exception {
    dp.apply(List.of(route("b", B), route("c", C)));
    dp.apply(List.of(route("c", C), route("b", B))); // order does not unseat the holder
    assertEquals(1, counters.greKeyCollisions.sum(), "counted once, not per apply");
    peerSends(B, "from-b");
    peerSends(C, "as-c");
    assertEquals(List.of("from-b"), drain(app, 1500, false));
    assertEquals(1, counters.dropSpoofedSource.sum(), "c has no path: its address is not b's");
    assertEquals(List.of("b"), List.copyOf(dp.readTraffic().keySet()));
  }

  @Test
  void enobufsAndEinvalOnTheSendPathAreCountedAndTheLoopGoesOn() throws Exception {
    dp.apply(List.of(route("b", B)));
    faults.add(Errno.ENOBUFS.value());
    faults.add(Errno.EINVAL.value());
    InetSocketAddress toB = new InetSocketAddress(SockAddrIn.toInet(B), 6000);
    for (String s : List.of("one", "two")) {
      app.send(ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII)), toB);
    }
    await(() -> faults.isEmpty(), "both faults used");
    for (String s : List.of("three", "four")) {
      app.send(ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII)), toB);
    }
    assertEquals(List.of("three", "four"), drain(peer, 1500, true));
    assertEquals(1, counters.dropSendFailed.sum(), "ENOBUFS: the expected per-datagram drop");
    assertEquals(1, counters.dropSendError.sum(), "EINVAL: outside the short list");
    assertEquals(2, counters.txPackets.sum());
    assertNull(failure.getNow(null));
  }

  @Test
  void ebadfOnTheSendPathReachesTheFailureHandler() throws Exception {
    dp.apply(List.of(route("b", B)));
    faults.add(Errno.EBADF.value());
    app.send(ByteBuffer.wrap(new byte[] {1}), new InetSocketAddress(SockAddrIn.toInet(B), 6000));
    String why = failure.get(5, TimeUnit.SECONDS);
    assertTrue(why.startsWith("dp-tun: ") && why.contains("EBADF"), why);
  }

  private static int ip(String s) {
    try {
      return SockAddrIn.ipv4(InetAddress.getByName(s));
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
