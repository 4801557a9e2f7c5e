package dev.gretun.core.dataplane.userspace;

import java.util.Arrays;

/**
 * IPv4/TCP packets for the segmentation and coalescing tests, built field by field, checksums by a
 * plain RFC 1071 loop (independent of {@code Checksums}).
 */
final class TcpPackets {
  static final int SRC = 0x64400002; // 100.64.0.2
  static final int DST = 0x64400003;
  static final byte[] TS_OPTIONS = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9};

  private TcpPackets() {}

  /** An IPv4/TCP packet with timestamp options, both checksums filled in. */
  static byte[] packet(int id, int seq, int flags, byte[] payload, int off, int len) {
    int tcpHl = 20 + TS_OPTIONS.length;
    byte[] p = new byte[20 + tcpHl + len];
    p[0] = 0x45;
    put16(p, 2, p.length);
    put16(p, 4, id);
    p[6] = 0x40; // DF
    p[8] = 64;
    p[9] = 6;
    put32(p, 12, SRC);
    put32(p, 16, DST);
    put16(p, 10, ~reference(p, 0, 20, 0) & 0xffff);
    put16(p, 20, 40000);
    put16(p, 22, 5201);
    put32(p, 24, seq);
    put32(p, 28, 0x0a0b0c0d);
    p[32] = (byte) ((tcpHl / 4) << 4);
    p[33] = (byte) flags;
    put16(p, 34, 502);
    System.arraycopy(TS_OPTIONS, 0, p, 40, TS_OPTIONS.length);
    System.arraycopy(payload, off, p, 20 + tcpHl, len);
    int pseudo = (SRC >>> 16) + (SRC & 0xffff) + (DST >>> 16) + (DST & 0xffff) + 6 + tcpHl + len;
    put16(p, 36, ~reference(p, 20, tcpHl + len, pseudo) & 0xffff);
    return Arrays.copyOf(p, p.length);
  }

  /** RFC 1071 the slow way: 16-bit big-endian words, folded. */
  static int reference(byte[] b, int off, int len, long acc) {
    for (int i = 0; i < len; i += 2) {
      int hi = b[off + i] & 0xff;
      int lo = i + 1 < len ? b[off + i + 1] & 0xff : 0;
      acc += (hi << 8) | lo;
    }
    while ((acc >>> 16) != 0) {
      acc = (acc & 0xffff) + (acc >>> 16);
    }
    return (int) acc;
  }

  static void put16(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 8);
    b[at + 1] = (byte) v;
  }

  static void put32(byte[] b, int at, int v) {
    put16(b, at, v >>> 16);
    put16(b, at + 2, v);
  }
}
