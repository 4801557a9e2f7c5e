package dev.gretun.core.wire;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Value layouts for reading and writing protocol fields in {@link
 * java.lang.foreign.MemorySegment}s: network byte order (big-endian), unaligned (headers sit at any
 * offset inside a packet).
 */
public final class NetworkOrder {
  public static final ValueLayout.OfShort SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
  public static final ValueLayout.OfInt INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
  public static final ValueLayout.OfLong LONG =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

  private NetworkOrder() {}
}
