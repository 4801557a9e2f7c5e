package dev.gretun.core.testing;

import dev.gretun.core.wire.ip.Ipv4Packets;
import java.nio.ByteBuffer;

/** Sample datagrams for the kernel data plane's tests. */
public final class Samples {
  public static final int A = 0x0a000001; // 10.0.0.1
  public static final int B = 0x0a000002; // 10.0.0.2

  private Samples() {}

  public static byte[] disco(int extra) {
    byte[] b = new byte[6 + extra];
    System.arraycopy(
        new byte[] {'T', 'S', (byte) 0xF0, (byte) 0x9F, (byte) 0x92, (byte) 0xAC}, 0, b, 0, 6);
    for (int i = 6; i < b.length; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  /** A STUN binding request (RFC 5389 header, no attributes). */
  public static byte[] stun() {
    ByteBuffer b = ByteBuffer.allocate(20);
    b.putShort((short) 0x0001).putShort((short) 0).putInt(0x2112A442);
    for (int i = 0; i < 12; i++) {
      b.put((byte) (0x40 + i));
    }
    return b.array();
  }

  /** Keyed GRE carrying a 20-byte inner IPv4 header (what the tunnel itself sends to P). */
  public static byte[] gre() {
    ByteBuffer b = ByteBuffer.allocate(8 + 20);
    b.putShort((short) 0x2000).putShort((short) 0x0800).putInt(0x01020304);
    b.put((byte) 0x45);
    return b.array();
  }

  public static byte[] udp(int dstPort, byte[] payload) {
    return Ipv4Packets.udp(A, 40000, B, dstPort, 64, payload);
  }
}
