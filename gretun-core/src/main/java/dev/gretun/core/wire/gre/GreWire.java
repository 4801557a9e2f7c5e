package dev.gretun.core.wire.gre;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The fixed GRE header gretun puts in front of every inner IPv4 packet, written straight into
 * native buffers: flags K only (0x2000), version 0, protocol 0x0800, then the pair's 32-bit key
 * (RFC 2890 §2.1; DESIGN.md §3.8). Kernel FOU+GRE with a key and noencap-csum emits the same bytes,
 * so kernel and userspace peers interoperate. {@code dev.gretun.core.wire.gre.GreHeader} is the
 * general codec; this is its allocation-free fast path for the one form we send.
 */
public final class GreWire {
  public static final int HEADER = 8;
  public static final int KEYED_IPV4 = 0x2000_0800;
  private static final ValueLayout.OfInt BE_INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

  private GreWire() {}

  public static void write(MemorySegment seg, long off, int key) {
    seg.set(BE_INT, off, KEYED_IPV4);
    seg.set(BE_INT, off + 4, key);
  }

  public static boolean isKeyedIpv4(MemorySegment seg, long off, int len) {
    return len >= HEADER && seg.get(BE_INT, off) == KEYED_IPV4;
  }

  public static int key(MemorySegment seg, long off) {
    return seg.get(BE_INT, off + 4);
  }

  public static int beInt(MemorySegment seg, long off) {
    return seg.get(BE_INT, off);
  }
}
