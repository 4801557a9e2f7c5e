package dev.gretun.core.wire.ip;

import dev.gretun.core.wire.NetworkOrder;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * The Internet checksum (RFC 1071): the one's-complement sum of 16-bit big-endian words,
 * complemented. One implementation over {@link MemorySegment} serves native buffers (the data
 * plane's per-packet path), heap arrays and {@link ByteBuffer}s. Summing 32-bit words into a long
 * and folding gives the same result (2^16 ≡ 1 mod 0xffff), which lets the loop read 8 bytes at a
 * time.
 */
public final class Checksums {
  private Checksums() {}

  /** Adds {@code seg[off..off+len)} to {@code acc}; an odd last byte is padded with zero. */
  public static long sum(MemorySegment seg, long off, int len, long acc) {
    int i = 0;
    for (; i + 8 <= len; i += 8) {
      long v = seg.get(NetworkOrder.LONG, off + i);
      acc += (v >>> 32) + (v & 0xFFFF_FFFFL);
    }
    for (; i + 2 <= len; i += 2) {
      acc += Short.toUnsignedInt(seg.get(NetworkOrder.SHORT, off + i));
    }
    if (i < len) {
      acc += (seg.get(ValueLayout.JAVA_BYTE, off + i) & 0xFF) << 8;
    }
    return acc;
  }

  /** Folds a running sum to 16 bits (not complemented). */
  public static int fold(long acc) {
    while ((acc >>> 16) != 0) {
      acc = (acc & 0xFFFF) + (acc >>> 16);
    }
    return (int) acc;
  }

  /** The checksum field value for a region whose running sum is {@code acc}. */
  public static short finish(long acc) {
    return (short) ~fold(acc);
  }

  /** The TCP/UDP pseudo-header sum for IPv4 (RFC 793 §3.1): addresses, protocol, length. */
  public static long pseudoHeader(int srcIp, int dstIp, int protocol, int length) {
    return (srcIp >>> 16)
        + (srcIp & 0xFFFF)
        + (dstIp >>> 16)
        + (dstIp & 0xFFFF)
        + protocol
        + length;
  }

  /**
   * Checksum (0..0xffff) of {@code length} bytes at absolute {@code offset} of {@code b} (bounded
   * by its limit), continuing from the running sum {@code acc} (0, or a {@link #pseudoHeader}).
   * Returns 0 over data that already carries a correct checksum.
   */
  public static int internet(ByteBuffer b, int offset, int length, long acc) {
    MemorySegment seg = MemorySegment.ofBuffer(b.duplicate().position(0));
    return finish(sum(seg, offset, length, acc)) & 0xFFFF;
  }

  /** Checksum (0..0xffff) of {@code b[off, off+len)}; 0 when it already carries a correct one. */
  public static int internet(byte[] b, int off, int len) {
    return finish(sum(MemorySegment.ofArray(b), off, len, 0)) & 0xFFFF;
  }
}
