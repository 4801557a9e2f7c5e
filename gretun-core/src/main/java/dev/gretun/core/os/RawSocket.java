package dev.gretun.core.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.gretun.core.wire.bpf.Bpf;
import java.lang.foreign.MemorySegment;

/**
 * A raw IPv4 socket ({@code SOCK_RAW}) for sending: with {@link #IPPROTO_UDP} the caller hands over
 * a UDP datagram and the kernel adds the IP header; with {@link #IPPROTO_RAW} the caller hands over
 * the whole IP packet. Sends copy into a native buffer the socket owns; one send at a time.
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
   * Attaches a classic BPF filter to what this socket receives (a raw UDP socket gets a copy of
   * every UDP datagram the host receives; a drop-all filter keeps its queue empty).
   */
  public void attachFilter(Bpf program) throws ErrnoException {
    Sockets.attachFilter(fd, program);
  }

  /** IP_TTL for the datagrams sent from now on; -1 restores the route default. */
  public void setTtl(int ttl) throws ErrnoException {
    Sockets.setInt(fd, Libc.IPPROTO_IP, Libc.IP_TTL, ttl);
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
