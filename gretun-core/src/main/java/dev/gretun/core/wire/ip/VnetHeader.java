package dev.gretun.core.wire.ip;

import dev.gretun.core.wire.NetworkOrder;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * {@code struct virtio_net_hdr} (linux/virtio_net.h), the 10 bytes in front of every packet of a
 * TUN device opened with {@code IFF_VNET_HDR}: flags (u8), gso_type (u8), hdr_len, gso_size,
 * csum_start, csum_offset (u16 each, in the host's byte order for a legacy TUN device).
 */
public final class VnetHeader {
  public static final int LEN = 10;
  public static final int F_NEEDS_CSUM = 1;
  public static final int GSO_NONE = 0;
  public static final int GSO_TCPV4 = 1;
  public static final int GSO_ECN = 0x80;
  private static final ValueLayout.OfShort HOST_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

  private VnetHeader() {}

  public static int flags(MemorySegment seg, long off) {
    return seg.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
  }

  /** gso_type without the ECN bit. */
  public static int gsoType(MemorySegment seg, long off) {
    return seg.get(ValueLayout.JAVA_BYTE, off + 1) & 0xFF & ~GSO_ECN;
  }

  public static int gsoSize(MemorySegment seg, long off) {
    return Short.toUnsignedInt(seg.get(HOST_SHORT, off + 4));
  }

  public static int csumStart(MemorySegment seg, long off) {
    return Short.toUnsignedInt(seg.get(HOST_SHORT, off + 6));
  }

  public static int csumOffset(MemorySegment seg, long off) {
    return Short.toUnsignedInt(seg.get(HOST_SHORT, off + 8));
  }

  /** Writes an all-zero header: one whole packet with a complete checksum. */
  public static void writePlain(MemorySegment seg, long off) {
    seg.set(ValueLayout.JAVA_LONG_UNALIGNED, off, 0L);
    seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, off + 8, (short) 0);
  }

  /**
   * Writes the header of an IPv4 TCP super-packet the kernel is to take as a whole: TCP segments of
   * {@code gsoSize} payload bytes behind {@code hdrLen} bytes of headers, the checksum at {@code
   * csumStart + csumOffset} left partial (it holds the pseudo-header sum).
   */
  public static void writeTcp4Gso(
      MemorySegment seg, long off, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
    seg.set(ValueLayout.JAVA_BYTE, off, (byte) F_NEEDS_CSUM);
    seg.set(ValueLayout.JAVA_BYTE, off + 1, (byte) GSO_TCPV4);
    seg.set(HOST_SHORT, off + 2, (short) hdrLen);
    seg.set(HOST_SHORT, off + 4, (short) gsoSize);
    seg.set(HOST_SHORT, off + 6, (short) csumStart);
    seg.set(HOST_SHORT, off + 8, (short) csumOffset);
  }

  public static int hdrLen(MemorySegment seg, long off) {
    return Short.toUnsignedInt(seg.get(HOST_SHORT, off + 2));
  }

  /**
   * Completes a partial checksum (VIRTIO_NET_HDR_F_NEEDS_CSUM): the field at {@code csumStart +
   * csumOffset} holds the pseudo-header sum; the checksum covers {@code [csumStart, len)}. Returns
   * false when the offsets do not fit the packet.
   */
  public static boolean completeChecksum(
      MemorySegment pkt, long off, int len, int csumStart, int csumOffset) {
    long field = (long) csumStart + csumOffset;
    if (csumStart >= len || field + 2 > len) {
      return false;
    }
    long acc = Checksums.sum(pkt, off + csumStart, len - csumStart, 0);
    pkt.set(NetworkOrder.SHORT, off + field, Checksums.finish(acc));
    return true;
  }
}
