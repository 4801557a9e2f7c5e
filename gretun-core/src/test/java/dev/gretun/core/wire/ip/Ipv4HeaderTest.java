package dev.gretun.core.wire.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gretun.core.wire.WireFormatException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Ipv4HeaderTest {
  static final HexFormat HEX = HexFormat.ofDelimiter(" ");

  // The worked example from the Wikipedia "IPv4 header checksum" article: checksum b861.
  static final String EXAMPLE_HEADER =
      "45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7";

  // 10.99.0.2:5000 -> 10.99.0.1:40000 "pong", TTL 64; checksums from an independent Python
  // implementation of RFC 1071 (and accepted by the kernel in TunDeviceNetnsTest).
  static final String UDP_PONG =
      "45 00 00 20 00 00 40 00 40 11 26 05 0a 63 00 02 0a 63 00 01"
          + " 13 88 9c 40 00 0c 5c 6e 70 6f 6e 67";

  static int ip(String text) throws Exception {
    return Ipv4Header.toInt((Inet4Address) InetAddress.getByName(text));
  }

  @Test
  void writesTheTextbookHeaderByteForByte() throws Exception {
    var out = ByteBuffer.allocate(20);
    Ipv4Packets.writeHeader(out, 17, 0x73 - 20, ip("192.168.0.1"), ip("192.168.0.199"), 64);
    assertEquals(EXAMPLE_HEADER, HEX.formatHex(out.array()));
  }

  @Test
  void parsesTheTextbookHeader() throws Exception {
    var packet = ByteBuffer.allocate(0x73).put(HEX.parseHex(EXAMPLE_HEADER)).flip().limit(0x73);
    var h = Ipv4Header.parse(packet);
    assertEquals(new Ipv4Header(20, 0x73, 64, 17, ip("192.168.0.1"), ip("192.168.0.199")), h);
    assertEquals("192.168.0.199", h.destinationAddress().getHostAddress());
    assertEquals(ip("192.168.0.199"), Ipv4Header.destination(packet));
    assertEquals(4, Ipv4Header.version(packet));
    assertEquals(0, packet.position(), "absolute reads");
  }

  @Test
  void buildsAUdpPacketByteForByte() throws Exception {
    byte[] p =
        Ipv4Packets.udp(ip("10.99.0.2"), 5000, ip("10.99.0.1"), 40000, 64, "pong".getBytes());
    assertEquals(UDP_PONG, HEX.formatHex(p));
    assertEquals(Ipv4Header.PROTO_UDP, Ipv4Header.parse(ByteBuffer.wrap(p)).protocol());
  }

  @Test
  void writeUdpAppendsAtThePosition() throws Exception {
    var out = ByteBuffer.allocate(64).put(HEX.parseHex("66 6f 6f"));
    int n =
        Ipv4Packets.writeUdp(
            out,
            ip("10.99.0.2"),
            5000,
            ip("10.99.0.1"),
            40000,
            64,
            ByteBuffer.wrap("pong".getBytes()));
    assertEquals(32, n);
    assertEquals(35, out.position());
    assertEquals("66 6f 6f " + UDP_PONG, HEX.formatHex(out.array(), 0, 35));
  }

  @Test
  void rejectsWhatIsNotAWholeIpv4Header() {
    byte[] good = HEX.parseHex(UDP_PONG);
    assertThrows(WireFormatException.class, () -> Ipv4Header.parse(ByteBuffer.wrap(good, 0, 19)));
    assertThrows(WireFormatException.class, () -> Ipv4Header.parse(ByteBuffer.wrap(good, 0, 31)));
    byte[] v6 = good.clone();
    v6[0] = 0x60;
    assertThrows(WireFormatException.class, () -> Ipv4Header.parse(ByteBuffer.wrap(v6)));
    byte[] badSum = good.clone();
    badSum[11] ^= 1;
    var e =
        assertThrows(WireFormatException.class, () -> Ipv4Header.parse(ByteBuffer.wrap(badSum)));
    assertEquals(WireFormatException.Reason.BAD_CHECKSUM, e.reason());
    assertEquals("IPv4 header checksum mismatch", e.detail());
    byte[] shortIhl = good.clone();
    shortIhl[0] = 0x44;
    assertThrows(WireFormatException.class, () -> Ipv4Header.parse(ByteBuffer.wrap(shortIhl)));
  }

  @Test
  void randomInputOnlyEverThrowsWireFormatException() {
    var random = new SplittableRandom(42);
    byte[] seed = HEX.parseHex(UDP_PONG);
    for (int i = 0; i < 100_000; i++) {
      byte[] b = java.util.Arrays.copyOf(seed, random.nextInt(40));
      for (int k = 0; k < 3 && b.length > 0; k++) {
        b[random.nextInt(b.length)] = (byte) random.nextInt();
      }
      try {
        Ipv4Header.parse(ByteBuffer.wrap(b));
      } catch (WireFormatException expected) {
        // counted and dropped by the data plane
      }
    }
  }

  @Test
  void checksumOfOddLengthPadsWithZero() {
    var b = ByteBuffer.wrap(new byte[] {0x01, 0x02, 0x03});
    assertEquals(~(0x0102 + 0x0300) & 0xffff, Checksums.internet(b, 0, 3, 0));
  }
}
