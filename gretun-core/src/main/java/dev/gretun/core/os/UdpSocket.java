package dev.gretun.core.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/**
 * A UDP socket bound to {@code 0.0.0.0:port}, for batched I/O over a {@link MessageVector}: {@code
 * sendmmsg} and {@code recvmmsg}, with control messages for a per-datagram TTL ({@link #IP_TTL}),
 * UDP GSO trains ({@link #UDP_SEGMENT}) and GRO ({@link #UDP_GRO}). Sends and receives return
 * -errno instead of throwing, so the data plane's loops allocate nothing. Any number of threads may
 * send, each with its own vector.
 */
public final class UdpSocket extends SocketFd {
  public static final int IPPROTO_IP = Libc.IPPROTO_IP;
  public static final int IP_TTL = Libc.IP_TTL;
  public static final int SOL_UDP = 17;
  public static final int UDP_SEGMENT = 103;
  public static final int UDP_GRO = 104;
  public static final int MSG_TRUNC = Libc.MSG_TRUNC;

  private final int port;

  private UdpSocket(int fd, int port) {
    super(fd);
    this.port = port;
  }

  /**
   * Binds {@code 0.0.0.0:port} (port 0 = the kernel's choice) with send and receive buffers of
   * {@code bufferBytes}; a receive waits at most {@code receiveTimeout}.
   */
  public static UdpSocket bind(int port, Duration receiveTimeout, int bufferBytes)
      throws ErrnoException {
    return Sockets.open(
        Libc.AF_INET,
        Libc.SOCK_DGRAM,
        0,
        fd -> {
          setBuffer(fd, Libc.SO_RCVBUFFORCE, Libc.SO_RCVBUF, bufferBytes);
          setBuffer(fd, Libc.SO_SNDBUFFORCE, Libc.SO_SNDBUF, bufferBytes);
          Sockets.setReceiveTimeout(fd, receiveTimeout);
          try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(SockAddrIn.LAYOUT);
            SockAddrIn.write(addr, 0, 0, port);
            Sockets.bind(fd, addr);
            Sockets.localAddress(fd, addr);
            return new UdpSocket(fd, SockAddrIn.port(addr, 0));
          }
        });
  }

  /**
   * The plain buffer options are capped by net.core.[rw]mem_max (about 200 KiB by default, which a
   * burst of GSO trains overflows); the *FORCE variants, allowed with CAP_NET_ADMIN, are not.
   */
  private static void setBuffer(int fd, int force, int plain, int bytes) throws ErrnoException {
    if (Sockets.trySetInt(fd, Libc.SOL_SOCKET, force, bytes) != 0) {
      Sockets.setInt(fd, Libc.SOL_SOCKET, plain, bytes);
    }
  }

  /** The bound port. */
  public int port() {
    return port;
  }

  /**
   * Asks for UDP GSO trains (and GRO-coalesced runs) as one datagram plus a {@link #UDP_GRO}
   * control message with the segment size; false when the kernel does not support it.
   */
  public boolean enableGro() {
    return Sockets.trySetInt(fd, SOL_UDP, UDP_GRO, 1) == 0;
  }

  /** {@code sendmmsg} of entries {@code [from, from + n)}: how many the kernel took, or -errno. */
  public int send(MessageVector v, int from, int n) {
    return Libc.sendmmsg(fd, v.address(from), n, 0);
  }

  /**
   * {@code recvmmsg} into the first {@code n} entries (call {@link MessageVector#readyToReceive}
   * first): blocks for the first datagram, then takes what is queued. How many arrived, or -errno
   * (EAGAIN when the receive timeout passed).
   */
  public int receive(MessageVector v, int n) {
    return Libc.recvmmsg(fd, v.segment(), n, Libc.MSG_WAITFORONE);
  }

  /**
   * Waits in {@code poll(2)} up to {@code timeoutMillis} until one of {@code sockets[0..count)} is
   * readable (or shut down); sets {@code ready[i]} for each such socket and returns how many, 0 on
   * timeout, or -errno. The birthday punch's extra sockets are many and short-lived, so one thread
   * polls them all instead of blocking in one receive per socket.
   */
  public static int pollReadable(
      UdpSocket[] sockets, int count, int timeoutMillis, boolean[] ready) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment fds = arena.allocate(8L * count, 4); // struct pollfd: int fd, short, short
      for (int i = 0; i < count; i++) {
        fds.set(ValueLayout.JAVA_INT, 8L * i, sockets[i].fd);
        fds.set(ValueLayout.JAVA_SHORT, 8L * i + 4, Libc.POLLIN);
      }
      int n = Libc.poll(fds, count, timeoutMillis);
      for (int i = 0; i < count; i++) {
        ready[i] = n > 0 && fds.get(ValueLayout.JAVA_SHORT, 8L * i + 6) != 0;
      }
      return n;
    }
  }

  /**
   * Wakes threads blocked in {@link #receive} without releasing the descriptor. On an unconnected
   * UDP socket shutdown reports ENOTCONN but still wakes readers (inet_shutdown).
   */
  public void shutdown() {
    int ignored = Libc.shutdown(fd, Libc.SHUT_RDWR);
  }
}
