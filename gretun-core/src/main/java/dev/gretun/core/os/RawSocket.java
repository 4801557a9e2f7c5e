package dev.gretun.core.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;

/**
 * A raw IPv4 socket ({@code SOCK_RAW}) for sending: with {@link #IPPROTO_RAW} the caller hands over
 * the whole IP packet; with another protocol, that protocol's datagram and the kernel adds the IP
 * header (and the socket receives a copy of every such datagram the host gets). Sends copy into a
 * native buffer the socket owns; one send at a time.
 */
public final class RawSocket extends SocketFd {
  public static final int IPPROTO_UDP = 17;
  public static final int IPPROTO_RAW = 255;
  private static final int MAX_DATAGRAM = 65536;

  private final MemorySegment buf = arena.allocate(MAX_DATAGRAM, 8);
  private final MemorySegment addr = arena.allocate(SockAddrIn.LAYOUT);

  private RawSocket(int fd) {
    super(fd);
  }

  /** Opens a raw socket for {@code protocol} in this thread's network namespace. */
  public static RawSocket open(int protocol) throws ErrnoException {
    return Sockets.open(Libc.AF_INET, Libc.SOCK_RAW, protocol, RawSocket::new);
  }

  /**
   * Sends {@code data[off..off+len)} to {@code dstIp} (a big-endian int; raw sockets have no port).
   * Returns the bytes sent, or -errno.
   */
  public synchronized long send(byte[] data, int off, int len, int dstIp) {
    if (isClosed()) {
      return -Errno.EBADF.value();
    }
    MemorySegment.copy(data, off, buf, JAVA_BYTE, 0, len);
    SockAddrIn.write(addr, 0, dstIp, 0);
    return Libc.sendto(fd, buf.address(), len, 0, addr);
  }
}
