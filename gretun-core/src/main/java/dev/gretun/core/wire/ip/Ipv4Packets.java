package dev.gretun.core.wire.ip;

import java.nio.ByteBuffer;

/** Builds small IPv4 packets (probes, tests): a 20-byte header with a correct checksum. */
public final class Ipv4Packets {
  public static final int UDP_HEADER = 8;

  private Ipv4Packets() {}

  /**
   * Writes an IPv4/UDP packet at {@code out}'s position (UDP checksum over the RFC 768
   * pseudo-header) and advances the position past it; returns its length.
   */
  public static int writeUdp(
      ByteBuffer out, int src, int srcPort, int dst, int dstPort, int ttl, ByteBuffer payload) {
    int start = out.position();
    writeHeader(out, Ipv4Header.PROTO_UDP, UDP_HEADER + payload.remaining(), src, dst, ttl);
    writeUdpDatagram(out, src, srcPort, dst, dstPort, payload);
    return out.position() - start;
  }

  /**
   * Writes only the UDP header and {@code payload} at {@code out}'s position, checksummed over the
   * RFC 768 pseudo-header of {@code src}/{@code dst}, and advances the position; returns the UDP
   * length.
   */
  public static int writeUdpDatagram(
      ByteBuffer out, int src, int srcPort, int dst, int dstPort, ByteBuffer payload) {
    int udp = out.position();
    int udpLength = UDP_HEADER + payload.remaining();
    out.putShort((short) srcPort).putShort((short) dstPort);
    out.putShort((short) udpLength).putShort((short) 0);
    out.put(payload.duplicate());
    long pseudo = Checksums.pseudoHeader(src, dst, Ipv4Header.PROTO_UDP, udpLength);
    int c = Checksums.internet(out, udp, udpLength, pseudo);
    out.putShort(udp + 6, (short) (c == 0 ? 0xffff : c)); // RFC 768: 0 means "no checksum"
    return udpLength;
  }

  /** As {@link #writeUdp(ByteBuffer, int, int, int, int, int, ByteBuffer)}, into a new array. */
  public static byte[] udp(int src, int srcPort, int dst, int dstPort, int ttl, byte[] payload) {
    var out = ByteBuffer.allocate(Ipv4Header.MIN_LENGTH + UDP_HEADER + payload.length);
    writeUdp(out, src, srcPort, dst, dstPort, ttl, ByteBuffer.wrap(payload));
    return out.array();
  }

  /**
   * Writes a 20-byte IPv4 header (ID 0, DF set, no options) for {@code payloadLength} bytes that
   * follow; advances the position by 20.
   */
  public static void writeHeader(
      ByteBuffer out, int protocol, int payloadLength, int src, int dst, int ttl) {
    int start = out.position();
    out.put((byte) 0x45).put((byte) 0);
    out.putShort((short) (Ipv4Header.MIN_LENGTH + payloadLength));
    out.putShort((short) 0).putShort((short) 0x4000); // ID 0, don't fragment
    out.put((byte) ttl).put((byte) protocol).putShort((short) 0);
    out.putInt(src).putInt(dst);
    out.putShort(
        start + Ipv4Header.OFF_CHECKSUM,
        (short) Checksums.internet(out, start, Ipv4Header.MIN_LENGTH, 0));
  }
}
