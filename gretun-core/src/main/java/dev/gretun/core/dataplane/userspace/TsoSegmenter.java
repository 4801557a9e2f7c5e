package dev.gretun.core.dataplane.userspace;

import dev.gretun.core.wire.ip.Checksums;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Splits an IPv4 TCP super-packet (a TUN read with gso_type TCPV4) into MTU-sized segments, as the
 * kernel's {@code tcp_gso_segment} would: every segment gets the IP and TCP headers, its own IP
 * total length, an IP ID one higher than the previous, the IP header checksum, the sequence number
 * advanced by the payload before it, FIN and PSH only on the last segment, CWR only on the first,
 * and a full TCP checksum.
 *
 * <p>Segments are written back to back into {@code out}, each preceded by {@code headroom} bytes
 * the caller fills (the GRE header), so the result is exactly the layout UDP GSO sends: segment i
 * at {@code outOff + i * stride}, every one {@link #stride()} bytes long except possibly the last.
 * One instance per thread; {@link #segment} allocates nothing.
 */
final class TsoSegmenter {
  private static final ValueLayout.OfShort BE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
  private static final ValueLayout.OfInt BE_INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
  private static final int PROTO_TCP = 6;
  private static final int TCP_FIN = 0x01;
  private static final int TCP_PSH = 0x08;
  private static final int TCP_CWR = 0x80;

  private int segments;
  private int stride;
  private int bytes;

  /**
   * Segments the IPv4/TCP packet {@code in[off..off+len)} into payloads of at most {@code mss}
   * bytes. Returns the number of segments, or -1 (nothing usable written) when the packet is not a
   * well-formed unfragmented IPv4 TCP packet or the result does not fit in {@code out}.
   */
  int segment(
      MemorySegment in, long off, int len, int mss, MemorySegment out, long outOff, int headroom) {
    segments = 0;
    if (len < 40 || mss <= 0 || (in.get(ValueLayout.JAVA_BYTE, off) & 0xF0) != 0x40) {
      return -1;
    }
    int ipHl = (in.get(ValueLayout.JAVA_BYTE, off) & 0x0F) * 4;
    int total = Short.toUnsignedInt(in.get(BE_SHORT, off + 2));
    if (ipHl < 20
        || total > len
        || (in.get(ValueLayout.JAVA_BYTE, off + 9) & 0xFF) != PROTO_TCP
        || (in.get(BE_SHORT, off + 6) & 0x3FFF) != 0
        || total < ipHl + 20) {
      return -1;
    }
    int tcpHl = ((in.get(ValueLayout.JAVA_BYTE, off + ipHl + 12) & 0xF0) >>> 4) * 4;
    int hdr = ipHl + tcpHl;
    if (tcpHl < 20 || hdr > total) {
      return -1;
    }
    int payload = total - hdr;
    int n = payload == 0 ? 1 : (payload + mss - 1) / mss;
    long need = (long) n * (headroom + hdr) + payload;
    if (need > out.byteSize() - outOff) {
      return -1;
    }
    int srcIp = in.get(BE_INT, off + 12);
    int dstIp = in.get(BE_INT, off + 16);
    int id = Short.toUnsignedInt(in.get(BE_SHORT, off + 4));
    int seq = in.get(BE_INT, off + ipHl + 4);
    int flags = in.get(ValueLayout.JAVA_BYTE, off + ipHl + 13) & 0xFF;
    int step = headroom + hdr + mss;
    for (int i = 0; i < n; i++) {
      int chunk = Math.min(mss, payload - i * mss);
      long ip = outOff + (long) i * step + headroom;
      long tcp = ip + ipHl;
      MemorySegment.copy(in, off, out, ip, hdr);
      MemorySegment.copy(in, off + hdr + (long) i * mss, out, ip + hdr, chunk);
      out.set(BE_SHORT, ip + 2, (short) (hdr + chunk));
      out.set(BE_SHORT, ip + 4, (short) (id + i));
      out.set(BE_SHORT, ip + 10, (short) 0);
      out.set(BE_SHORT, ip + 10, Checksums.finish(Checksums.sum(out, ip, ipHl, 0)));
      int f = flags;
      if (i > 0) {
        f &= ~TCP_CWR;
      }
      if (i < n - 1) {
        f &= ~(TCP_FIN | TCP_PSH);
      }
      out.set(BE_INT, tcp + 4, seq + i * mss);
      out.set(ValueLayout.JAVA_BYTE, tcp + 13, (byte) f);
      out.set(BE_SHORT, tcp + 16, (short) 0);
      long acc = Checksums.pseudoHeader(srcIp, dstIp, PROTO_TCP, tcpHl + chunk);
      out.set(BE_SHORT, tcp + 16, Checksums.finish(Checksums.sum(out, tcp, tcpHl + chunk, acc)));
    }
    segments = n;
    stride = step;
    bytes = (int) need;
    return n;
  }

  /** Segments written by the last successful {@link #segment} call. */
  int segments() {
    return segments;
  }

  /** Bytes from one segment's start to the next (headroom + headers + mss). */
  int stride() {
    return stride;
  }

  /** Total bytes written, headroom included. */
  int bytes() {
    return bytes;
  }
}
