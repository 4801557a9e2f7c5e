package dev.gretun.core.dataplane.userspace;

import dev.gretun.core.wire.NetworkOrder;
import dev.gretun.core.wire.ip.Checksums;
import dev.gretun.core.wire.ip.VnetHeader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Receive-side TCP coalescing for a vnet-header TUN device (the kernel's GRO for a NIC; what
 * wireguard-go calls TCP GRO): consecutive in-order segments of one TCP flow, as they arrive in a
 * UDP GRO train, are joined into one IPv4 super-packet behind a vnet header ({@code GSO_TCPV4},
 * {@code NEEDS_CSUM}) that goes to the TUN device in one write instead of one write per segment.
 *
 * <p>Joined, after the rules of Linux {@code tcp_gro_receive} (net/ipv4/tcp_offload.c): IPv4
 * without options or fragmentation; TCP carrying data with ACK set and none of SYN, FIN, RST, URG,
 * ECE, CWR (PSH ends a super-packet); the same addresses, ports, TOS, TTL, DF bit, ACK number,
 * window and TCP options bytes; contiguous sequence numbers; every payload as long as the first
 * except the last, which may be shorter and ends it. Each segment's IP header and TCP checksums
 * must be correct: the super-packet's TCP checksum is left for the kernel to complete ({@code
 * NEEDS_CSUM}), so a damaged segment would otherwise be accepted.
 *
 * <p>One instance per receiving thread; nothing is allocated per packet.
 */
final class TcpCoalescer {
  static final int MAX_PACKET = 65_535; // IPv4 total length
  static final int MAX_SEGMENTS = 64;
  private static final int IP_HL = 20;
  private static final int PROTO_TCP = 6;
  private static final int TCP_PSH = 0x08;
  private static final int TCP_ACK = 0x10;
  // FIN, SYN, RST, URG, ECE, CWR: a segment with any of them goes alone.
  private static final int TCP_NOT_JOINED = 0x01 | 0x02 | 0x04 | 0x20 | 0x40 | 0x80;

  private final MemorySegment buf; // [vnet header][packet]
  private int len; // packet bytes pending; 0 = none
  private int segments;
  private int hdrLen;
  private int mss;
  private int nextSeq;
  private boolean ended; // a shorter or PSH segment was the last one joined

  TcpCoalescer(Arena arena) {
    this.buf = arena.allocate(VnetHeader.LEN + MAX_PACKET, 8);
  }

  /** True while a packet is held (write it with {@link #finish} before anything else goes out). */
  boolean pending() {
    return len > 0;
  }

  /** Segments in the held packet. */
  int segments() {
    return segments;
  }

  /**
   * Takes the IPv4 packet {@code in[off, off+length)}: starts a held packet with it, or joins it to
   * the held one. False when it cannot: not a joinable TCP segment (write it as it is), or not the
   * held packet's next segment ({@link #finish} the held one, then offer it again).
   */
  boolean offer(MemorySegment in, long off, int length) {
    int payload = joinablePayload(in, off, length);
    if (payload <= 0) {
      return false;
    }
    if (len == 0) {
      MemorySegment.copy(in, off, buf, VnetHeader.LEN, length);
      len = length;
      segments = 1;
      hdrLen = length - payload;
      mss = payload;
      nextSeq = in.get(NetworkOrder.INT, off + IP_HL + 4) + payload;
      ended = (flags(in, off) & TCP_PSH) != 0;
      return true;
    }
    if (ended
        || segments == MAX_SEGMENTS
        || payload > mss
        || length - payload != hdrLen
        || len + payload > MAX_PACKET
        || in.get(NetworkOrder.INT, off + IP_HL + 4) != nextSeq
        || !sameFlow(in, off)) {
      return false;
    }
    MemorySegment.copy(in, off + hdrLen, buf, VnetHeader.LEN + len, payload);
    len += payload;
    segments++;
    nextSeq += payload;
    int f = flags(in, off);
    if ((f & TCP_PSH) != 0) {
      long flagsAt = VnetHeader.LEN + IP_HL + 13;
      buf.set(
          ValueLayout.JAVA_BYTE,
          flagsAt,
          (byte) (buf.get(ValueLayout.JAVA_BYTE, flagsAt) | TCP_PSH));
    }
    ended = payload < mss || (f & TCP_PSH) != 0;
    return true;
  }

  /**
   * Completes the held packet and returns it, vnet header first ({@link #buffer()}{@code [0, n)}),
   * and lets go of it. One segment goes as it came (a plain vnet header); two or more get their IP
   * total length and header checksum, and a GSO vnet header with the TCP checksum left partial (the
   * pseudo-header sum over the whole TCP length, as the kernel's TSO path leaves it).
   */
  int finish() {
    int n = VnetHeader.LEN + len;
    if (segments < 2) {
      VnetHeader.writePlain(buf, 0);
    } else {
      long ip = VnetHeader.LEN;
      buf.set(NetworkOrder.SHORT, ip + 2, (short) len);
      buf.set(NetworkOrder.SHORT, ip + 10, (short) 0);
      buf.set(NetworkOrder.SHORT, ip + 10, Checksums.finish(Checksums.sum(buf, ip, IP_HL, 0)));
      buf.set(
          NetworkOrder.SHORT, ip + IP_HL + 16, (short) Checksums.fold(pseudoHeader(buf, ip, len)));
      VnetHeader.writeTcp4Gso(buf, 0, hdrLen, mss, IP_HL, 16);
    }
    len = 0;
    segments = 0;
    return n;
  }

  MemorySegment buffer() {
    return buf;
  }

  /** The TCP payload length of a joinable segment, else 0. */
  private static int joinablePayload(MemorySegment in, long off, int length) {
    if (length < IP_HL + 20
        || in.get(ValueLayout.JAVA_BYTE, off) != 0x45 // IPv4, no options
        || Short.toUnsignedInt(in.get(NetworkOrder.SHORT, off + 2)) != length
        || (in.get(NetworkOrder.SHORT, off + 6) & 0x3FFF) != 0 // MF or a fragment offset
        || in.get(ValueLayout.JAVA_BYTE, off + 9) != PROTO_TCP) {
      return 0;
    }
    int tcpHl = ((in.get(ValueLayout.JAVA_BYTE, off + IP_HL + 12) & 0xF0) >>> 4) * 4;
    int f = flags(in, off);
    int payload = length - IP_HL - tcpHl;
    if (tcpHl < 20
        || payload <= 0
        || (f & TCP_ACK) == 0
        || (f & TCP_NOT_JOINED) != 0
        || Checksums.fold(Checksums.sum(in, off, IP_HL, 0)) != 0xFFFF) {
      return 0;
    }
    long pseudo = pseudoHeader(in, off, length);
    if (Checksums.fold(Checksums.sum(in, off + IP_HL, length - IP_HL, pseudo)) != 0xFFFF) {
      return 0;
    }
    return payload;
  }

  /** The TCP pseudo-header sum of the IPv4 packet at {@code off}, {@code length} bytes long. */
  private static long pseudoHeader(MemorySegment p, long off, int length) {
    return Checksums.pseudoHeader(
        p.get(NetworkOrder.INT, off + 12),
        p.get(NetworkOrder.INT, off + 16),
        PROTO_TCP,
        length - IP_HL);
  }

  private static int flags(MemorySegment in, long off) {
    return in.get(ValueLayout.JAVA_BYTE, off + IP_HL + 13) & 0xFF;
  }

  /**
   * Same TOS, DF, TTL, addresses, ports, ACK number, window and options as the held packet's first
   * segment (the IP ID, total length and checksums differ by nature).
   */
  private boolean sameFlow(MemorySegment in, long off) {
    long held = VnetHeader.LEN;
    if (in.get(ValueLayout.JAVA_BYTE, off + 1) != buf.get(ValueLayout.JAVA_BYTE, held + 1)
        || (in.get(ValueLayout.JAVA_BYTE, off + 6) & 0x40)
            != (buf.get(ValueLayout.JAVA_BYTE, held + 6) & 0x40)
        || in.get(ValueLayout.JAVA_BYTE, off + 8) != buf.get(ValueLayout.JAVA_BYTE, held + 8)
        || in.get(NetworkOrder.LONG, off + 12) != buf.get(NetworkOrder.LONG, held + 12)
        || in.get(NetworkOrder.INT, off + IP_HL) != buf.get(NetworkOrder.INT, held + IP_HL)
        || in.get(NetworkOrder.INT, off + IP_HL + 8) != buf.get(NetworkOrder.INT, held + IP_HL + 8)
        || in.get(NetworkOrder.SHORT, off + IP_HL + 14)
            != buf.get(NetworkOrder.SHORT, held + IP_HL + 14)) {
      return false;
    }
    return MemorySegment.mismatch(
            in, off + IP_HL + 20, off + hdrLen, buf, held + IP_HL + 20, held + hdrLen)
        == -1;
  }
}
