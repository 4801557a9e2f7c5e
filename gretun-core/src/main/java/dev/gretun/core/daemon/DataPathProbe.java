package dev.gretun.core.daemon;

import dev.gretun.core.wire.ip.Checksums;
import dev.gretun.core.wire.ip.Ipv4Packets;
import java.nio.ByteBuffer;

/**
 * An ICMP echo request from our overlay address to a peer's, sent through the tunnel right after a
 * punch: the peer's kernel answers through its side of the tunnel, and that inbound GRE is what
 * confirms the data path itself (not just disco) before the peer counts as direct.
 */
final class DataPathProbe {
  private static final int ICMP_ECHO = 8;
  private static final int ICMP_LENGTH = 8 + 8;
  private static final int ID = 0x6774; // "gt"

  private DataPathProbe() {}

  /** The inner IPv4 packet (no GRE header). */
  static byte[] echoRequest(int srcIp, int dstIp, int sequence) {
    ByteBuffer b = ByteBuffer.allocate(20 + ICMP_LENGTH);
    Ipv4Packets.writeHeader(b, 1, ICMP_LENGTH, srcIp, dstIp, 64);
    int icmp = b.position();
    b.put((byte) ICMP_ECHO).put((byte) 0).putShort((short) 0);
    b.putShort((short) ID).putShort((short) sequence);
    b.putLong(System.nanoTime());
    b.putShort(icmp + 2, (short) Checksums.internet(b, icmp, ICMP_LENGTH, 0));
    return b.array();
  }
}
