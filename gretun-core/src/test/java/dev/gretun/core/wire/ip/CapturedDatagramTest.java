package dev.gretun.core.wire.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gretun.core.testing.Samples;
import dev.gretun.core.wire.WireFormatException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CapturedDatagramTest {
  private static CapturedDatagram parse(byte[] b, boolean verify) throws WireFormatException {
    return CapturedDatagram.parse(ByteBuffer.wrap(b), b.length, verify);
  }

  @Test
  void parsesAddressesAndPayload() throws Exception {
    byte[] stun = Samples.stun();
    byte[] pkt = Ipv4Packets.udp(Samples.A, 40000, Samples.B, 7777, 64, stun);
    CapturedDatagram d = parse(pkt, true);
    assertEquals(new CapturedDatagram(Samples.A, 40000, Samples.B, 7777, 28, stun.length), d);
  }

  /** What FOU leaves in the packet socket's copy: total length −8 and a stale header checksum. */
  @Test
  void ignoresTheIpTotalLengthFouRewrote() throws Exception {
    byte[] pkt = Ipv4Packets.udp(Samples.A, 40000, Samples.B, 7777, 64, Samples.disco(40));
    int total = ((pkt[2] & 0xff) << 8) | (pkt[3] & 0xff);
    pkt[2] = (byte) ((total - 8) >>> 8);
    pkt[3] = (byte) (total - 8);
    assertEquals(46, parse(pkt, true).payloadLength());
  }

  @Test
  void boundsTheUdpLengthByWhatWasCaptured() {
    byte[] pkt = Ipv4Packets.udp(Samples.A, 40000, Samples.B, 7777, 64, Samples.disco(40));
    assertThrows(WireFormatException.class, () -> parse(Arrays.copyOf(pkt, pkt.length - 1), false));
  }

  @Test
  void checksumIsVerifiedUnlessNotReadyOrAbsent() throws Exception {
    byte[] pkt = Ipv4Packets.udp(Samples.A, 40000, Samples.B, 7777, 64, Samples.disco(40));
    pkt[pkt.length - 1] ^= 1;
    assertThrows(WireFormatException.class, () -> parse(pkt, true));
    assertEquals(46, parse(pkt, false).payloadLength()); // TP_STATUS_CSUMNOTREADY
    pkt[26] = 0;
    pkt[27] = 0;
    assertEquals(46, parse(pkt, true).payloadLength()); // checksum 0 = none (RFC 768)
  }

  @Test
  void rejectsNonUdpFragmentsAndRunts() {
    byte[] pkt = Ipv4Packets.udp(Samples.A, 40000, Samples.B, 7777, 64, Samples.stun());
    assertThrows(WireFormatException.class, () -> parse(Arrays.copyOf(pkt, 27), true));
    byte[] tcp = pkt.clone();
    tcp[9] = 6;
    assertThrows(WireFormatException.class, () -> parse(tcp, false));
    byte[] frag = pkt.clone();
    frag[7] = 1;
    assertThrows(WireFormatException.class, () -> parse(frag, false));
    byte[] v6 = pkt.clone();
    v6[0] = 0x60;
    assertThrows(WireFormatException.class, () -> parse(v6, false));
    byte[] shortUdp = pkt.clone();
    shortUdp[24] = 0;
    shortUdp[25] = 4;
    assertThrows(WireFormatException.class, () -> parse(shortUdp, false));
  }

  /** The raw socket's UDP header: byte for byte what a kernel UDP socket would send. */
  @Test
  void rawUdpHeaderIsByteExact() {
    ByteBuffer out = ByteBuffer.allocate(8 + 4);
    int len =
        Ipv4Packets.writeUdpDatagram(
            out, 0xc0a80001, 7777, 0xc0a80002, 3478, ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
    assertEquals(12, len);
    // c0a8+0001+c0a8+0002+0011+000c + 1e61+0d96+000c + 0102+0304 = 0x1b179 -> b17a -> ~ = 4e85
    assertEquals("1e610d96000c4e8501020304", java.util.HexFormat.of().formatHex(out.array()));
  }
}
