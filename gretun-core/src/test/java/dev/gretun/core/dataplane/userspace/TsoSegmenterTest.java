package dev.gretun.core.dataplane.userspace;

import static dev.gretun.core.dataplane.userspace.TcpPackets.DST;
import static dev.gretun.core.dataplane.userspace.TcpPackets.SRC;
import static dev.gretun.core.dataplane.userspace.TcpPackets.packet;
import static dev.gretun.core.dataplane.userspace.TcpPackets.reference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gretun.core.wire.ip.Checksums;
import dev.gretun.core.wire.ip.VnetHeader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * TCP segmentation of TUN super-packets, checked byte for byte against segments built here
 * independently (headers written field by field, checksums by a plain RFC 1071 loop).
 */
class TsoSegmenterTest {

  @Test
  void rfc1071Example() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment s = arena.allocate(8);
      s.copyFrom(
          MemorySegment.ofArray(
              new byte[] {
                0, 1, (byte) 0xf2, 3, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7
              }));
      assertEquals(0xddf2, Checksums.fold(Checksums.sum(s, 0, 8, 0)));
    }
  }

  @Test
  void oddLengthSumPadsWithZero() {
    byte[] b = {(byte) 0xab, (byte) 0xcd, (byte) 0xef};
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment s = arena.allocate(3);
      s.copyFrom(MemorySegment.ofArray(b));
      assertEquals(reference(b, 0, 3, 0), Checksums.fold(Checksums.sum(s, 0, 3, 0)));
    }
  }

  @Test
  void segmentsLikeTheKernel() {
    int mss = 1000;
    int payloadLen = 2500;
    byte[] payload = new byte[payloadLen];
    for (int i = 0; i < payloadLen; i++) {
      payload[i] = (byte) (i * 7 + 3);
    }
    // ACK|PSH|FIN|CWR on the super-packet: PSH/FIN only on the last segment, CWR on the first.
    int flags = 0x10 | 0x08 | 0x01 | 0x80;
    byte[] sup = packet(0x1234, 0x01020304, flags, payload, 0, payloadLen);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment in = arena.allocate(sup.length);
      in.copyFrom(MemorySegment.ofArray(sup));
      MemorySegment out = arena.allocate(8192);
      out.fill((byte) 0x55);
      TsoSegmenter seg = new TsoSegmenter();
      assertEquals(3, seg.segment(in, 0, sup.length, mss, out, 16, 8));
      int hdr = 20 + 32;
      assertEquals(8 + hdr + mss, seg.stride());
      assertEquals(3 * (8 + hdr) + payloadLen, seg.bytes());
      int[] expectedFlags = {0x10 | 0x80, 0x10, 0x10 | 0x08 | 0x01};
      for (int i = 0; i < 3; i++) {
        int chunk = Math.min(mss, payloadLen - i * mss);
        byte[] expected =
            packet(0x1234 + i, 0x01020304 + i * mss, expectedFlags[i], payload, i * mss, chunk);
        long at = 16 + (long) i * seg.stride();
        // Headroom is left alone for the caller's GRE header.
        assertEquals((byte) 0x55, out.get(ValueLayout.JAVA_BYTE, at));
        byte[] actual = out.asSlice(at + 8, expected.length).toArray(ValueLayout.JAVA_BYTE);
        assertArrayEquals(expected, actual, "segment " + i);
      }
    }
  }

  @Test
  void headerOnlyPacketIsOneSegment() {
    byte[] sup = packet(1, 5, 0x10, new byte[0], 0, 0);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment in = arena.allocate(sup.length);
      in.copyFrom(MemorySegment.ofArray(sup));
      MemorySegment out = arena.allocate(256);
      TsoSegmenter seg = new TsoSegmenter();
      assertEquals(1, seg.segment(in, 0, sup.length, 1000, out, 0, 8));
      assertArrayEquals(sup, out.asSlice(8, sup.length).toArray(ValueLayout.JAVA_BYTE));
    }
  }

  @Test
  void rejectsWhatIsNotPlainIpv4Tcp() {
    byte[] good = packet(1, 5, 0x10, new byte[100], 0, 100);
    TsoSegmenter seg = new TsoSegmenter();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(4096);
      assertEquals(-1, seg.segment(seg(arena, mutate(good, 9, 17)), 0, good.length, 50, out, 0, 8));
      assertEquals(
          -1, seg.segment(seg(arena, mutate(good, 6, 0x20)), 0, good.length, 50, out, 0, 8));
      assertEquals(
          -1, seg.segment(seg(arena, mutate(good, 0, 0x60)), 0, good.length, 50, out, 0, 8));
      assertEquals(-1, seg.segment(seg(arena, good), 0, good.length - 1, 50, out, 0, 8));
      assertEquals(-1, seg.segment(seg(arena, good), 0, good.length, 0, out, 0, 8));
      MemorySegment small = arena.allocate(100);
      assertEquals(-1, seg.segment(seg(arena, good), 0, good.length, 50, small, 0, 8));
      assertEquals(2, seg.segment(seg(arena, good), 0, good.length, 50, out, 0, 8));
    }
  }

  @Test
  void completesAPartialChecksum() {
    byte[] full = packet(9, 77, 0x18, new byte[] {1, 2, 3, 4, 5}, 0, 5);
    byte[] partial = full.clone();
    // What the kernel hands over with NEEDS_CSUM: the pseudo-header sum, not complemented.
    int tcpLen = full.length - 20;
    int pseudo = Checksums.fold(Checksums.pseudoHeader(SRC, DST, 6, tcpLen));
    partial[36] = (byte) (pseudo >>> 8);
    partial[37] = (byte) pseudo;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment p = seg(arena, partial);
      assertEquals(true, VnetHeader.completeChecksum(p, 0, partial.length, 20, 16));
      assertArrayEquals(full, p.toArray(ValueLayout.JAVA_BYTE));
      assertEquals(false, VnetHeader.completeChecksum(p, 0, partial.length, 20, partial.length));
    }
  }

  private static MemorySegment seg(Arena arena, byte[] b) {
    MemorySegment s = arena.allocate(b.length);
    s.copyFrom(MemorySegment.ofArray(b));
    return s;
  }

  private static byte[] mutate(byte[] b, int at, int value) {
    byte[] c = b.clone();
    c[at] = (byte) value;
    return c;
  }
}
