package dev.gretun.e2e.trust;

import dev.gretun.core.dataplane.kernel.RawUdpSender;
import dev.gretun.core.os.PacketSocket;
import dev.gretun.core.os.RawSocket;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.wire.bpf.Bpf;
import dev.gretun.core.wire.gre.GreHeader;
import dev.gretun.core.wire.ip.Ipv4Header;
import dev.gretun.core.wire.ip.Ipv4Packets;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The attacker's tool, run inside a lab namespace ({@code ip netns exec NS java ...}) on the
 * project's own FFM sockets. Every mode is bounded (at most {@link #MAX_PACKETS} packets, a
 * timeout) and sends only to the lab's documentation ranges.
 *
 * <pre>
 * sniff-key PEER_IP OWN_PORT TIMEOUT_S
 *     prints "key=K" for the first keyed GRE-in-UDP datagram from PEER_IP to OWN_PORT (a member
 *     learns its own pair key from the traffic it receives)
 * member OWN_IP OWN_PORT DST_IP DST_PORT KEY INNER_SRC INNER_DST INNER_DPORT COUNT
 *     keyed GRE from this host's own OWN_PORT and address (the daemon's own raw sender, so the
 *     NAT maps it like the daemon's own traffic)
 * spoof SRC_IP SRC_PORT DST_IP DST_PORT KEY INNER_SRC INNER_DST INNER_DPORT COUNT
 *     the same with a forged outer source (IPPROTO_RAW: we write the IP header)
 * </pre>
 */
public final class GreForge {
  static final int MAX_PACKETS = 500;

  private GreForge() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "sniff-key" -> sniffKey(ip(args[1]), Integer.parseInt(args[2]), args[3]);
      case "member", "spoof" -> forge(args);
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  private static void forge(String[] a) throws Exception {
    boolean spoof = a[0].equals("spoof");
    int src = ip(a[1]);
    int srcPort = Integer.parseInt(a[2]);
    int dst = labOnly(a[3]);
    int dstPort = Integer.parseInt(a[4]);
    int key = Integer.parseUnsignedInt(a[5]);
    int innerSrc = ip(a[6]);
    int innerDst = ip(a[7]);
    int innerPort = Integer.parseInt(a[8]);
    int count = Math.min(Integer.parseInt(a[9]), MAX_PACKETS);
    RawSocket raw = spoof ? RawSocket.open(RawSocket.IPPROTO_RAW) : null;
    RawUdpSender member = spoof ? null : RawUdpSender.open(srcPort, d -> src);
    for (int i = 0; i < count; i++) {
      byte[] inner =
          Ipv4Packets.udp(
              innerSrc,
              40000,
              innerDst,
              innerPort,
              64,
              ("gretun-attack-" + i).getBytes(StandardCharsets.US_ASCII));
      byte[] gre = new byte[GreHeader.HEADER + inner.length];
      GreHeader.encodeKeyed(gre, 0, GreHeader.PROTO_IPV4, key);
      System.arraycopy(inner, 0, gre, GreHeader.HEADER, inner.length);
      if (spoof) {
        ByteBuffer out = ByteBuffer.allocate(Ipv4Header.MIN_LENGTH + 8 + gre.length);
        int len = Ipv4Packets.writeUdp(out, src, srcPort, dst, dstPort, 64, ByteBuffer.wrap(gre));
        long r = raw.send(out.array(), 0, len, dst);
        if (r < 0) {
          throw new IllegalStateException("sendto: errno " + -r);
        }
      } else {
        member.send(gre, 0, gre.length, new InetSocketAddress(SockAddrIn.toInet(dst), dstPort), 0);
      }
      Thread.sleep(2);
    }
    System.out.println("sent=" + count);
    if (raw != null) {
      raw.close();
    }
    if (member != null) {
      member.close();
    }
  }

  private static void sniffKey(int peer, int ownPort, String timeoutSeconds) throws Exception {
    Bpf all = new Bpf.Assembler().ret(0x40000).build();
    long deadline =
        System.nanoTime() + Duration.ofSeconds(Long.parseLong(timeoutSeconds)).toNanos();
    try (PacketSocket s = PacketSocket.open(all, Duration.ofMillis(200))) {
      ByteBuffer v = s.data().asByteBuffer().order(ByteOrder.BIG_ENDIAN);
      System.out.println("listening");
      System.out.flush();
      while (System.nanoTime() < deadline) {
        long n = s.receive();
        if (n < 48 || (v.get(0) & 0xff) != 0x45 || v.get(9) != 17 || v.getInt(12) != peer) {
          continue;
        }
        int udp = 20;
        if ((v.getShort(udp + 2) & 0xffff) != ownPort
            || v.getInt(udp + 8) != GreHeader.KEYED_IPV4) {
          continue;
        }
        int key = s.data().get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 32);
        System.out.println("key=" + Integer.toUnsignedString(key));
        System.out.flush();
        return;
      }
    }
    System.out.println("key=none");
    System.exit(1);
  }

  /** The lab's RFC 5737 ranges only: nothing this tool sends can leave the lab. */
  private static int labOnly(String s) throws Exception {
    if (!(s.startsWith("203.0.113.") || s.startsWith("198.51.100.") || s.startsWith("192.0.2."))) {
      throw new IllegalArgumentException("not a lab address: " + s);
    }
    return ip(s);
  }

  private static int ip(String s) throws Exception {
    return SockAddrIn.ipv4(InetAddress.getByName(s));
  }
}
