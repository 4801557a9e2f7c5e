package dev.gretun.e2e.relay;

import dev.gretun.core.os.PacketSocket;
import dev.gretun.core.wire.bpf.Bpf;
import dev.gretun.core.wire.gre.GreHeader;
import dev.gretun.core.wire.ip.Ipv4Packets;
import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The relay attacker's tool, run inside a lab namespace. Bounded: at most {@link #MAX_PACKETS}
 * datagrams, a timeout, lab addresses only.
 *
 * <pre>
 * sniff-bind RELAY_PORT SRC_IP TIMEOUT_S
 *     prints "bind=HEX" for the first relay bind datagram from SRC_IP to RELAY_PORT seen here
 * bind-then-gre replay|bad-signature HEX RELAY_IP RELAY_PORT KEY INNER_SRC INNER_DST DPORT COUNT
 *     sends the captured bind (replay: unchanged; bad-signature: with its timestamp set to now,
 *     so only the signature is wrong) from a fresh socket, then COUNT keyed GRE from that socket
 * gre-from SRC_PORT RELAY_IP RELAY_PORT KEY INNER_SRC INNER_DST DPORT COUNT
 *     COUNT keyed GRE from this host's own address and SRC_PORT (a bound node's port number)
 * </pre>
 */
public final class RelayForge {
  static final int MAX_PACKETS = 500;

  private RelayForge() {}

  public static void main(String[] a) throws Exception {
    switch (a[0]) {
      case "sniff-bind" -> sniffBind(Integer.parseInt(a[1]), ip(a[2]), Long.parseLong(a[3]));
      case "bind-then-gre" -> {
        byte[] bind = HexFormat.of().parseHex(a[2]);
        if (a[1].equals("bad-signature")) {
          ByteBuffer.wrap(bind).putLong(40, System.currentTimeMillis());
        }
        try (DatagramSocket s = new DatagramSocket()) {
          InetSocketAddress relay = relay(a[3], a[4]);
          s.send(new DatagramPacket(bind, bind.length, relay));
          Thread.sleep(300);
          gre(s, relay, a, 5);
        }
      }
      case "gre-from" -> {
        try (DatagramSocket s = new DatagramSocket(Integer.parseInt(a[1]))) {
          gre(s, relay(a[2], a[3]), a, 4);
        }
      }
      default -> throw new IllegalArgumentException("unknown mode " + a[0]);
    }
  }

  private static InetSocketAddress relay(String ip, String port) throws Exception {
    if (!ip.startsWith("192.0.2.")) {
      throw new IllegalArgumentException("not the lab's public host: " + ip);
    }
    return new InetSocketAddress(InetAddress.getByName(ip), Integer.parseInt(port));
  }

  private static void gre(DatagramSocket s, InetSocketAddress relay, String[] a, int at)
      throws Exception {
    int key = Integer.parseUnsignedInt(a[at]);
    int innerSrc = ip(a[at + 1]);
    int innerDst = ip(a[at + 2]);
    int dport = Integer.parseInt(a[at + 3]);
    int count = Math.min(Integer.parseInt(a[at + 4]), MAX_PACKETS);
    for (int i = 0; i < count; i++) {
      byte[] inner =
          Ipv4Packets.udp(
              innerSrc,
              40000,
              innerDst,
              dport,
              64,
              ("gretun-relay-attack-" + i).getBytes(StandardCharsets.US_ASCII));
      byte[] gre = new byte[GreHeader.HEADER + inner.length];
      GreHeader.encodeKeyed(gre, 0, GreHeader.PROTO_IPV4, key);
      System.arraycopy(inner, 0, gre, GreHeader.HEADER, inner.length);
      s.send(new DatagramPacket(gre, gre.length, relay));
      Thread.sleep(2);
    }
    System.out.println("sent=" + count);
  }

  private static void sniffBind(int relayPort, int srcIp, long timeoutSeconds) throws Exception {
    Bpf all = new Bpf.Assembler().ret(0x40000).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    try (PacketSocket s = PacketSocket.open(all, Duration.ofMillis(200))) {
      ByteBuffer v = s.data().asByteBuffer().order(ByteOrder.BIG_ENDIAN);
      System.out.println("listening");
      System.out.flush();
      while (System.nanoTime() < deadline) {
        long n = s.receive();
        if (n < 28 + 120 || (v.get(0) & 0xff) != 0x45 || v.get(9) != 17 || v.getInt(12) != srcIp) {
          continue;
        }
        if ((v.getShort(22) & 0xffff) != relayPort || v.getInt(28) != 0x47524c42) {
          continue;
        }
        int udpLen = (v.getShort(24) & 0xffff) - 8;
        byte[] bind = s.data().asSlice(28, udpLen).toArray(ValueLayout.JAVA_BYTE);
        System.out.println("bind=" + HexFormat.of().formatHex(bind));
        System.out.flush();
        return;
      }
    }
    System.out.println("bind=none");
    System.exit(1);
  }

  private static int ip(String s) throws Exception {
    byte[] b = InetAddress.getByName(s).getAddress();
    return ByteBuffer.wrap(b).getInt();
  }
}
