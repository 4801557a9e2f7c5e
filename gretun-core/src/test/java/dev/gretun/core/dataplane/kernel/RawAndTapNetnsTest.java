package dev.gretun.core.dataplane.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.dataplane.DiscoStunPacket;
import dev.gretun.core.os.Namespaces;
import dev.gretun.core.testing.Netns;
import dev.gretun.core.testing.Samples;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The raw-socket send and AF_PACKET receive paths on this machine's kernel, in three throwaway
 * namespaces A — R — B (R routes; nothing is linked to the root namespace). No FOU socket owns P
 * here (this kernel has none), but neither path needs one: B's tap and raw socket work on port P
 * with no UDP socket bound to it, exactly as next to a FOU socket.
 */
class RawAndTapNetnsTest {
  private static final int P = 7777;
  private static final String A_IP = "10.91.1.2";
  private static final String B_IP = "10.91.2.2";
  private static Netns a;
  private static Netns r;
  private static Netns b;
  private static RawUdpSender bRaw;
  private static PacketTap bTap;
  private static PacketTap aTap;
  private static Thread bThread;
  private static Thread aThread;
  private static final BlockingQueue<DiscoStunPacket> bGot = new LinkedBlockingQueue<>();
  private static final BlockingQueue<DiscoStunPacket> aGot = new LinkedBlockingQueue<>();
  private static final DataplaneCounters counters = new DataplaneCounters();

  @BeforeAll
  static void setUp() throws Exception {
    a = Netns.create();
    r = Netns.create();
    b = Netns.create();
    a.host(
        "ip", "link", "add", "va", "netns", a.name(), "type", "veth", "peer", "name", "ra", "netns",
        r.name());
    b.host(
        "ip", "link", "add", "vb", "netns", b.name(), "type", "veth", "peer", "name", "rb", "netns",
        r.name());
    for (Netns n : List.of(a, r, b)) {
      n.ip("link", "set", "lo", "up");
    }
    a.ip("addr", "add", A_IP + "/24", "dev", "va");
    a.ip("link", "set", "va", "up");
    a.ip("route", "add", "default", "via", "10.91.1.1");
    b.ip("addr", "add", B_IP + "/24", "dev", "vb");
    b.ip("link", "set", "vb", "up");
    b.ip("route", "add", "default", "via", "10.91.2.1");
    r.ip("addr", "add", "10.91.1.1/24", "dev", "ra");
    r.ip("addr", "add", "10.91.2.1/24", "dev", "rb");
    r.ip("link", "set", "ra", "up");
    r.ip("link", "set", "rb", "up");
    r.host("ip", "netns", "exec", r.name(), "sysctl", "-qw", "net.ipv4.ip_forward=1");
    int bIp = ip(B_IP);
    bRaw = Namespaces.inNetns(b.path(), () -> RawUdpSender.open(P, dst -> bIp));
    bTap = Namespaces.inNetns(b.path(), () -> PacketTap.open(P, 100));
    aTap = Namespaces.inNetns(a.path(), () -> PacketTap.open(P, 100));
    bThread = Thread.ofPlatform().daemon().start(() -> run(bTap, bGot));
    aThread = Thread.ofPlatform().daemon().start(() -> run(aTap, aGot));
  }

  private static void run(PacketTap tap, BlockingQueue<DiscoStunPacket> got) {
    try {
      tap.run(got::offer, counters);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterAll
  static void tearDown() throws InterruptedException {
    for (PacketTap t : new PacketTap[] {aTap, bTap}) {
      if (t != null) {
        t.stop();
      }
    }
    for (Thread t : new Thread[] {aThread, bThread}) {
      if (t != null) {
        t.join(2000);
      }
    }
    for (AutoCloseable c : new AutoCloseable[] {aTap, bTap, bRaw}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
    for (Netns n : new Netns[] {a, r, b}) {
      if (n != null) {
        n.close();
      }
    }
  }

  @BeforeEach
  void drain() {
    aGot.clear();
    bGot.clear();
  }

  static int ip(String s) {
    try {
      byte[] x = InetAddress.getByName(s).getAddress();
      return ByteBuffer.wrap(x).getInt();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static InetSocketAddress at(String ip, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByName(ip), port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static DatagramChannel channelIn(Netns n, int port) {
    return Namespaces.inNetns(
        n.path(),
        () -> {
          try {
            DatagramChannel ch = DatagramChannel.open();
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(new InetSocketAddress(port));
            return ch;
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  /** One datagram within {@code millis}, or null. */
  static byte[] receive(DatagramChannel ch, long millis, InetSocketAddress[] from)
      throws IOException {
    ch.configureBlocking(false);
    try (Selector sel = Selector.open()) {
      ch.register(sel, SelectionKey.OP_READ);
      if (sel.select(millis) == 0) {
        return null;
      }
      ByteBuffer buf = ByteBuffer.allocate(2048);
      from[0] = (InetSocketAddress) ch.receive(buf);
      buf.flip();
      byte[] out = new byte[buf.remaining()];
      buf.get(out);
      return out;
    }
  }

  @Test
  void tapPassesOnlyDiscoAndStunToPortP() throws Exception {
    try (DatagramChannel ch = channelIn(a, 40001)) {
      byte[] disco = Samples.disco(50);
      byte[] stun = Samples.stun();
      InetSocketAddress toP = at(B_IP, P);
      ch.send(ByteBuffer.wrap(Samples.gre()), toP);
      ch.send(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), toP);
      ch.send(ByteBuffer.wrap(disco), at(B_IP, P + 1));
      ch.send(ByteBuffer.wrap(disco), toP);
      ch.send(ByteBuffer.wrap(stun), toP);
      DiscoStunPacket first = bGot.poll(5, TimeUnit.SECONDS);
      DiscoStunPacket second = bGot.poll(5, TimeUnit.SECONDS);
      assertArrayEquals(disco, first.data());
      assertEquals(at(A_IP, 40001), first.from());
      assertArrayEquals(stun, second.data());
      assertNull(bGot.poll(300, TimeUnit.MILLISECONDS), "only disco and STUN to P pass");
    }
  }

  @Test
  void rawSendLeavesFromPortPWithAValidChecksum() throws Exception {
    try (DatagramChannel ch = channelIn(a, 40002)) {
      byte[] disco = Samples.disco(33); // odd length: checksum padding
      assertTrue(bRaw.send(disco, 0, disco.length, at(A_IP, 40002), 0));
      InetSocketAddress[] from = new InetSocketAddress[1];
      // A's kernel drops a datagram whose checksum is wrong, so arriving proves it right.
      assertArrayEquals(disco, receive(ch, 5000, from));
      assertEquals(at(B_IP, P), from[0]);
    }
  }

  @Test
  void perDatagramTtlDiesAtTheRouterThenTheDefaultIsBack() throws Exception {
    try (DatagramChannel ch = channelIn(a, 40003)) {
      byte[] one = Samples.disco(1);
      byte[] two = Samples.disco(2);
      byte[] dflt = Samples.disco(3);
      InetSocketAddress[] from = new InetSocketAddress[1];
      assertTrue(bRaw.send(one, 0, one.length, at(A_IP, 40003), 1)); // dies at R
      assertTrue(bRaw.send(two, 0, two.length, at(A_IP, 40003), 2)); // just reaches A
      assertArrayEquals(two, receive(ch, 5000, from));
      assertTrue(bRaw.send(dflt, 0, dflt.length, at(A_IP, 40003), 0));
      assertArrayEquals(dflt, receive(ch, 5000, from));
      assertNull(receive(ch, 300, from), "the TTL 1 datagram must not arrive");
    }
  }

  @Test
  void rawDiscoToAPeersPortPReachesItsTapButNotOurOwn() throws Exception {
    byte[] disco = Samples.disco(20);
    assertTrue(bRaw.send(disco, 0, disco.length, at(A_IP, P), 0));
    DiscoStunPacket got = aGot.poll(5, TimeUnit.SECONDS);
    assertArrayEquals(disco, got.data());
    assertEquals(at(B_IP, P), got.from());
    assertNull(bGot.poll(300, TimeUnit.MILLISECONDS), "outgoing copies are ignored");
  }

  /**
   * A raw socket of protocol 17 would get its own clone of every UDP datagram the namespace
   * receives — every FOU packet of the tunnel. The kernel lists a raw socket's protocol as its
   * local "port" in /proc/net/raw (of the reading thread's namespace): the sender's must be 255.
   */
  @Test
  void theSenderReceivesNoCopyOfTheUdpTheHostGets() {
    List<String> raw =
        Namespaces.inNetns(
            b.path(),
            () -> {
              try {
                return Files.readAllLines(Path.of("/proc/thread-self/net/raw"));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    List<String> protocols =
        raw.stream().skip(1).map(l -> l.trim().split("\\s+")[1].split(":")[1]).toList();
    assertEquals(List.of("00FF"), protocols, String.join("\n", raw));
  }

  /**
   * A's port unreachable for the first datagram must not cost the next one: the kernel reports ICMP
   * errors to an unconnected raw socket only with IP_RECVERR, which the sender does not set.
   */
  @Test
  void anIcmpErrorAboutAnEarlierDatagramDoesNotEatTheNextOne() throws Exception {
    try (DatagramChannel ch = channelIn(a, 40005)) {
      byte[] first = Samples.disco(4);
      byte[] second = Samples.disco(5);
      assertTrue(bRaw.send(first, 0, first.length, at(A_IP, 40099), 0)); // nobody listens
      Thread.sleep(300); // let the ICMP port unreachable come back
      assertTrue(bRaw.send(second, 0, second.length, at(A_IP, 40005), 0));
      InetSocketAddress[] from = new InetSocketAddress[1];
      assertArrayEquals(second, receive(ch, 5000, from));
    }
  }
}
