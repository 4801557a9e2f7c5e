package dev.gretun.core.dataplane.userspace;

import static dev.gretun.core.dataplane.userspace.TcpPackets.DST;
import static dev.gretun.core.dataplane.userspace.TcpPackets.SRC;
import static dev.gretun.core.dataplane.userspace.TcpPackets.packet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.wire.ip.Checksums;
import dev.gretun.core.wire.ip.VnetHeader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Receive-side coalescing, byte for byte: segments built field by field ({@link TcpPackets}) are
 * joined into the super-packet the same builder makes from the whole payload (with the TCP checksum
 * left partial and a GSO vnet header), which {@link TsoSegmenter} cuts back into the very same
 * segments; and everything Linux GRO would not join is refused.
 */
class TcpCoalescerTest {
  private static final int MSS = 1000;
  private static final int SEQ = 0x01020304;
  private static final int ACK = 0x10;
  private static final int PSH = 0x08;
  private final Arena arena = Arena.ofConfined();
  private final TcpCoalescer coalescer = new TcpCoalescer(arena);
  private final byte[] payload = new byte[2500];

  TcpCoalescerTest() {
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (i * 13 + 5);
    }
  }

  @AfterEach
  void close() {
    arena.close();
  }

  @Test
  void consecutiveSegmentsBecomeOneSuperPacketThatSegmentsBackIntoThem() {
    byte[][] segments = {
      packet(0x1234, SEQ, ACK, payload, 0, MSS),
      packet(0x1235, SEQ + MSS, ACK, payload, MSS, MSS),
      packet(0x1236, SEQ + 2 * MSS, ACK | PSH, payload, 2 * MSS, 500),
    };
    for (byte[] s : segments) {
      assertTrue(offer(s));
    }
    assertEquals(3, coalescer.segments());
    int n = coalescer.finish();
    assertFalse(coalescer.pending());
    MemorySegment out = coalescer.buffer();

    int hdr = 20 + 32;
    assertEquals(VnetHeader.LEN + hdr + payload.length, n);
    assertEquals(VnetHeader.F_NEEDS_CSUM, VnetHeader.flags(out, 0));
    assertEquals(VnetHeader.GSO_TCPV4, VnetHeader.gsoType(out, 0));
    assertEquals(hdr, VnetHeader.hdrLen(out, 0));
    assertEquals(MSS, VnetHeader.gsoSize(out, 0));
    assertEquals(20, VnetHeader.csumStart(out, 0));
    assertEquals(16, VnetHeader.csumOffset(out, 0));

    // The first segment's headers (IP ID included) with the whole payload and PSH from the last;
    // the TCP checksum field holds the pseudo-header sum over the whole TCP length.
    byte[] expected = packet(0x1234, SEQ, ACK | PSH, payload, 0, payload.length);
    int partial = Checksums.fold(Checksums.pseudoHeader(SRC, DST, 6, 32 + payload.length));
    expected[36] = (byte) (partial >>> 8);
    expected[37] = (byte) partial;
    byte[] actual = out.asSlice(VnetHeader.LEN, n - VnetHeader.LEN).toArray(ValueLayout.JAVA_BYTE);
    assertArrayEquals(expected, actual);

    MemorySegment in = out.asSlice(VnetHeader.LEN, n - VnetHeader.LEN);
    MemorySegment cut = arena.allocate(8192);
    TsoSegmenter tso = new TsoSegmenter();
    assertEquals(3, tso.segment(in, 0, (int) in.byteSize(), MSS, cut, 0, 0));
    for (int i = 0; i < 3; i++) {
      byte[] again =
          cut.asSlice((long) i * tso.stride(), segments[i].length).toArray(ValueLayout.JAVA_BYTE);
      assertArrayEquals(segments[i], again, "segment " + i);
    }
  }

  @Test
  void aSingleSegmentGoesAsItCame() {
    byte[] only = packet(7, SEQ, ACK | PSH, payload, 0, 300);
    assertTrue(offer(only));
    int n = coalescer.finish();
    MemorySegment out = coalescer.buffer();
    assertEquals(VnetHeader.LEN + only.length, n);
    assertArrayEquals(new byte[VnetHeader.LEN], out.asSlice(0, VnetHeader.LEN).toArray(BYTE));
    assertArrayEquals(only, out.asSlice(VnetHeader.LEN, only.length).toArray(BYTE));
  }

  @Test
  void whatGroWouldNotJoinIsRefused() {
    byte[] first = packet(1, SEQ, ACK, payload, 0, MSS);
    byte[] next = packet(2, SEQ + MSS, ACK, payload, MSS, MSS);

    assertFalse(offer(packet(1, SEQ, ACK, payload, 0, 0)), "no payload (a pure ACK)");
    assertFalse(offer(packet(1, SEQ, ACK | 0x02, payload, 0, 10)), "SYN");
    assertFalse(offer(packet(1, SEQ, ACK | 0x01, payload, 0, 10)), "FIN");
    assertFalse(offer(packet(1, SEQ, 0x08, payload, 0, 10)), "no ACK");
    assertFalse(offer(mutate(first, 60, first[60] ^ 1)), "a damaged payload (bad TCP checksum)");
    assertFalse(offer(mutate(first, 8, 63)), "a damaged IP header (bad header checksum)");
    assertFalse(coalescer.pending());

    assertTrue(offer(first));
    assertFalse(offer(packet(2, SEQ + MSS + 1, ACK, payload, MSS, MSS)), "a sequence gap");
    assertFalse(offer(packet(2, SEQ + MSS, ACK, payload, MSS, MSS + 1)), "longer than the first");
    assertFalse(offer(packet(2, SEQ + MSS, ACK | 0x80, payload, MSS, MSS)), "CWR");
    assertFalse(offer(withPort(next, 40001)), "another flow");
    assertEquals(1, coalescer.segments());

    assertTrue(offer(packet(2, SEQ + MSS, ACK, payload, MSS, 400)), "a shorter last segment");
    assertFalse(offer(packet(3, SEQ + MSS + 400, ACK, payload, 0, 400)), "nothing after it");
    coalescer.finish();

    assertTrue(offer(packet(1, SEQ, ACK | PSH, payload, 0, MSS)));
    assertFalse(offer(next), "nothing after PSH");
  }

  private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

  private boolean offer(byte[] p) {
    MemorySegment s = arena.allocate(p.length);
    s.copyFrom(MemorySegment.ofArray(p));
    return coalescer.offer(s, 0, p.length);
  }

  private static byte[] mutate(byte[] b, int at, int value) {
    byte[] c = b.clone();
    c[at] = (byte) value;
    return c;
  }

  /** The same segment from another source port, checksum adjusted (RFC 1624). */
  private static byte[] withPort(byte[] b, int port) {
    byte[] c = b.clone();
    int old = ((c[20] & 0xff) << 8) | (c[21] & 0xff);
    c[20] = (byte) (port >>> 8);
    c[21] = (byte) port;
    int sum = ~(((c[36] & 0xff) << 8) | (c[37] & 0xff)) & 0xffff;
    sum += (~old & 0xffff) + port;
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xffff) + (sum >>> 16);
    }
    int check = ~sum & 0xffff;
    c[36] = (byte) (check >>> 8);
    c[37] = (byte) check;
    return c;
  }
}
