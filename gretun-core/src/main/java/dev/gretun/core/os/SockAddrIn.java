package dev.gretun.core.os;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * {@code struct sockaddr_in} (16 bytes: family in host order, port and address in network order, 8
 * bytes of zero) read and written in native memory. IPv4 only: the overlay's underlay is IPv4.
 */
public final class SockAddrIn {
  private static final ValueLayout.OfShort BE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
  private static final ValueLayout.OfInt BE_INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

  public static final StructLayout LAYOUT =
      MemoryLayout.structLayout(
          ValueLayout.JAVA_SHORT.withName("sin_family"),
          BE_SHORT.withByteAlignment(2).withName("sin_port"),
          BE_INT.withByteAlignment(4).withName("sin_addr"),
          MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("sin_zero"));

  public static final int SIZE = (int) LAYOUT.byteSize();
  private static final long FAMILY = LAYOUT.byteOffset(groupElement("sin_family"));
  private static final long PORT = LAYOUT.byteOffset(groupElement("sin_port"));
  private static final long ADDR = LAYOUT.byteOffset(groupElement("sin_addr"));
  private static final long ZERO = LAYOUT.byteOffset(groupElement("sin_zero"));

  private SockAddrIn() {}

  /** Writes {@code ip} (big-endian int) and {@code port} at {@code seg[off..off+16)}. */
  public static void write(MemorySegment seg, long off, int ip, int port) {
    seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, off + FAMILY, (short) Libc.AF_INET);
    seg.set(BE_SHORT, off + PORT, (short) port);
    seg.set(BE_INT, off + ADDR, ip);
    seg.set(ValueLayout.JAVA_LONG_UNALIGNED, off + ZERO, 0L);
  }

  public static void write(MemorySegment seg, long off, InetSocketAddress addr) {
    write(seg, off, ipv4(addr.getAddress()), addr.getPort());
  }

  public static int ip(MemorySegment seg, long off) {
    return seg.get(BE_INT, off + ADDR);
  }

  public static int port(MemorySegment seg, long off) {
    return Short.toUnsignedInt(seg.get(BE_SHORT, off + PORT));
  }

  /** The address as a Java object (allocates; not for the per-packet path). */
  public static InetSocketAddress read(MemorySegment seg, long off) {
    return new InetSocketAddress(toInet(ip(seg, off)), port(seg, off));
  }

  /** An IPv4 address as a big-endian int. */
  public static int ipv4(InetAddress a) {
    if (!(a instanceof Inet4Address)) {
      throw new IllegalArgumentException("not an IPv4 address: " + a);
    }
    byte[] b = a.getAddress();
    return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
  }

  public static InetAddress toInet(int ip) {
    try {
      return InetAddress.getByAddress(
          new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
