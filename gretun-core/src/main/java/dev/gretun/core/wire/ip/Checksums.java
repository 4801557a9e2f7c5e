package dev.gretun.core.wire.ip;

import java.nio.ByteBuffer;

/** The Internet checksum (RFC 1071): one's-complement sum of 16-bit words, complemented. */
public final class Checksums {
  private Checksums() {}

  /**
   * Checksum of {@code length} bytes at absolute {@code offset}, continuing from a partial {@code
   * sum} (0, or a pseudo-header sum from {@link #sum}). Returns 0 over data that already carries a
   * correct checksum.
   */
  public static int internet(ByteBuffer b, int offset, int length, int sum) {
    return ~fold(sum + sum(b, offset, length)) & 0xffff;
  }

  /** The unfolded 32-bit sum of 16-bit big-endian words; an odd last byte is padded with 0. */
  public static int sum(ByteBuffer b, int offset, int length) {
    int s = 0;
    int i = 0;
    for (; i + 1 < length; i += 2) {
      s += Short.toUnsignedInt(b.getShort(offset + i));
      if (s < 0) {
        s = fold(s);
      }
    }
    if (i < length) {
      s += (b.get(offset + i) & 0xff) << 8;
    }
    return fold(s);
  }

  static int fold(int s) {
    long v = Integer.toUnsignedLong(s);
    while (v >>> 16 != 0) {
      v = (v & 0xffff) + (v >>> 16);
    }
    return (int) v;
  }
}
