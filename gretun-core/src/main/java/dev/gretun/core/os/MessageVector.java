package dev.gretun.core.os;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * An array of {@code struct mmsghdr} in native memory for {@code sendmmsg}/{@code recvmmsg} (and
 * {@code recvmsg} on entry 0): each entry has one {@code iovec}, its own socket-address buffer and
 * its own control-message area, wired up once. Setting or reading an entry allocates nothing.
 */
public final class MessageVector {
  private static final StructLayout IOVEC =
      MemoryLayout.structLayout(ADDRESS.withName("iov_base"), JAVA_LONG.withName("iov_len"));
  private static final StructLayout MSGHDR =
      MemoryLayout.structLayout(
          ADDRESS.withName("msg_name"),
          JAVA_INT.withName("msg_namelen"),
          MemoryLayout.paddingLayout(4),
          ADDRESS.withName("msg_iov"),
          JAVA_LONG.withName("msg_iovlen"),
          ADDRESS.withName("msg_control"),
          JAVA_LONG.withName("msg_controllen"),
          JAVA_INT.withName("msg_flags"),
          MemoryLayout.paddingLayout(4));
  private static final StructLayout MMSGHDR =
      MemoryLayout.structLayout(
          MSGHDR.withName("msg_hdr"), JAVA_INT.withName("msg_len"), MemoryLayout.paddingLayout(4));
  private static final StructLayout CMSGHDR =
      MemoryLayout.structLayout(
          JAVA_LONG.withName("cmsg_len"),
          JAVA_INT.withName("cmsg_level"),
          JAVA_INT.withName("cmsg_type"));

  private static final long IOV_BASE = IOVEC.byteOffset(groupElement("iov_base"));
  private static final long IOV_LEN = IOVEC.byteOffset(groupElement("iov_len"));
  private static final long NAME = hdr("msg_name");
  private static final long NAMELEN = hdr("msg_namelen");
  private static final long IOV = hdr("msg_iov");
  private static final long IOVLEN = hdr("msg_iovlen");
  private static final long CONTROL = hdr("msg_control");
  private static final long CONTROLLEN = hdr("msg_controllen");
  private static final long FLAGS = hdr("msg_flags");
  private static final long LEN = MMSGHDR.byteOffset(groupElement("msg_len"));
  private static final long CMSG_LEN = CMSGHDR.byteOffset(groupElement("cmsg_len"));
  private static final long CMSG_LEVEL = CMSGHDR.byteOffset(groupElement("cmsg_level"));
  private static final long CMSG_TYPE = CMSGHDR.byteOffset(groupElement("cmsg_type"));

  /** {@code CMSG_ALIGN(sizeof(struct cmsghdr))}: where a control message's data starts. */
  private static final long CMSG_DATA = align(CMSGHDR.byteSize());

  private final int count;
  private final long nameSize;
  private final long controlSpace;
  private final MemorySegment msgs;
  private final MemorySegment names;
  private final MemorySegment iovs;
  private final MemorySegment control;

  /**
   * @param nameSize bytes of socket address per entry ({@link SockAddrIn#SIZE} for UDP)
   * @param controlSpace bytes of control messages per entry (a sum of {@link #space})
   */
  public MessageVector(Arena arena, int count, long nameSize, long controlSpace) {
    this.count = count;
    this.nameSize = nameSize;
    this.controlSpace = controlSpace;
    this.msgs = arena.allocate(MMSGHDR, count);
    this.names = arena.allocate(nameSize * count, 8);
    this.iovs = arena.allocate(IOVEC, count);
    this.control = arena.allocate(Math.max(1, controlSpace * count), 8);
    for (int i = 0; i < count; i++) {
      long m = at(i);
      msgs.set(JAVA_LONG, m + NAME, names.address() + nameOffset(i));
      msgs.set(JAVA_INT, m + NAMELEN, (int) nameSize);
      msgs.set(JAVA_LONG, m + IOV, iovs.address() + i * IOVEC.byteSize());
      msgs.set(JAVA_LONG, m + IOVLEN, 1L);
    }
  }

  /** {@code CMSG_SPACE(dataLen)}: the room one control message with that much data takes. */
  public static long space(int dataLen) {
    return CMSG_DATA + align(dataLen);
  }

  private static long align(long n) {
    return (n + 7) & ~7L;
  }

  private static long hdr(String field) {
    return MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement(field));
  }

  private long at(int i) {
    return i * MMSGHDR.byteSize();
  }

  public int count() {
    return count;
  }

  /** Entry i sends from or receives into {@code length} bytes at native {@code address}. */
  public void setData(int i, long address, long length) {
    long v = i * IOVEC.byteSize();
    iovs.set(JAVA_LONG, v + IOV_BASE, address);
    iovs.set(JAVA_LONG, v + IOV_LEN, length);
  }

  /** Entry i goes to {@code ip:port} (a sockaddr_in). */
  public void setPeer(int i, int ip, int port) {
    SockAddrIn.write(names, nameOffset(i), ip, port);
  }

  /** The sockaddr_in address of entry i (after a receive: the source). */
  public int peerIp(int i) {
    return SockAddrIn.ip(names, nameOffset(i));
  }

  public int peerPort(int i) {
    return SockAddrIn.port(names, nameOffset(i));
  }

  /** Entry i's socket address buffer, for address families other than AF_INET. */
  MemorySegment names() {
    return names;
  }

  long nameOffset(int i) {
    return i * nameSize;
  }

  /** Gives entry i one control message carrying a 4-byte int. */
  public void setControlInt(int i, int level, int type, int value) {
    long c = setControlHeader(i, level, type, Integer.BYTES);
    control.set(JAVA_INT, c + CMSG_DATA, value);
  }

  /** Gives entry i one control message carrying a 2-byte value (e.g. UDP_SEGMENT). */
  public void setControlShort(int i, int level, int type, short value) {
    long c = setControlHeader(i, level, type, Short.BYTES);
    control.set(JAVA_SHORT, c + CMSG_DATA, value);
  }

  private long setControlHeader(int i, int level, int type, int dataLen) {
    long c = i * controlSpace;
    control.set(JAVA_LONG, c + CMSG_LEN, CMSG_DATA + dataLen);
    control.set(JAVA_INT, c + CMSG_LEVEL, level);
    control.set(JAVA_INT, c + CMSG_TYPE, type);
    msgs.set(JAVA_LONG, at(i) + CONTROL, control.address() + c);
    msgs.set(JAVA_LONG, at(i) + CONTROLLEN, space(dataLen));
    return c;
  }

  /** Entry i carries no control message. */
  public void clearControl(int i) {
    msgs.set(JAVA_LONG, at(i) + CONTROL, 0L);
    msgs.set(JAVA_LONG, at(i) + CONTROLLEN, 0L);
  }

  public boolean hasControl(int i) {
    return msgs.get(JAVA_LONG, at(i) + CONTROLLEN) != 0;
  }

  /** Resets entry i's in/out fields (lengths, flags) before a receive. */
  public void readyToReceive(int i) {
    long m = at(i);
    msgs.set(JAVA_INT, m + NAMELEN, (int) nameSize);
    msgs.set(JAVA_LONG, m + CONTROL, control.address() + i * controlSpace);
    msgs.set(JAVA_LONG, m + CONTROLLEN, controlSpace);
    msgs.set(JAVA_INT, m + FLAGS, 0);
    msgs.set(JAVA_INT, m + LEN, 0);
  }

  /** After {@code recvmmsg}: entry i's datagram length ({@code msg_len}). */
  public int length(int i) {
    return msgs.get(JAVA_INT, at(i) + LEN);
  }

  /** After a receive: entry i's {@code msg_flags} (MSG_TRUNC, ...). */
  public int flags(int i) {
    return msgs.get(JAVA_INT, at(i) + FLAGS);
  }

  /**
   * After a receive: the int at {@code dataOffset} in the data of entry i's control message {@code
   * level}/{@code type}, or {@code absent} when the kernel sent none.
   */
  public int controlInt(int i, int level, int type, long dataOffset, int absent) {
    long end = msgs.get(JAVA_LONG, at(i) + CONTROLLEN);
    long base = i * controlSpace;
    long off = 0;
    while (off + CMSG_DATA <= end) {
      long len = control.get(JAVA_LONG, base + off + CMSG_LEN);
      if (len < CMSG_DATA || off + len > end) {
        return absent;
      }
      if (control.get(JAVA_INT, base + off + CMSG_LEVEL) == level
          && control.get(JAVA_INT, base + off + CMSG_TYPE) == type
          && len >= CMSG_DATA + dataOffset + Integer.BYTES) {
        return control.get(JAVA_INT, base + off + CMSG_DATA + dataOffset);
      }
      off += align(len);
    }
    return absent;
  }

  /** The native address of entry i (sendmmsg from there). */
  long address(int i) {
    return msgs.address() + at(i);
  }

  /** The whole array; entry 0 is also a plain {@code struct msghdr}. */
  MemorySegment segment() {
    return msgs;
  }
}
