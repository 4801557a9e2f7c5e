package dev.gretun.core.dataplane.kernel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.gretun.core.os.Errno;
import dev.gretun.core.os.Libc;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.os.SysException;
import dev.gretun.core.wire.bpf.DiscoStunFilter;
import dev.gretun.core.wire.ip.Ipv4Packets;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.IntUnaryOperator;

/**
 * Sends UDP datagrams from port P while the kernel's FOU socket owns P (DESIGN.md §2): a {@code
 * SOCK_RAW}/{@code IPPROTO_UDP} socket to which we hand the UDP header we built (source port P,
 * checksum over the pseudo-header with the source address the kernel will pick), the kernel adding
 * the IP header. A per-datagram TTL (the low-TTL opener) is set with {@code IP_TTL} around the one
 * send; -1 restores the route default. One thread (the daemon's control thread) sends.
 *
 * <p>A raw UDP socket also receives a copy of every UDP datagram the host gets; a drop-all filter
 * keeps its receive queue empty.
 */
public final class RawUdpSender implements AutoCloseable {
  static final int IPPROTO_IP = 0;
  static final int IPPROTO_UDP = 17;
  static final int IP_TTL = 2;

  private final int fd;
  private final int port;
  private final IntUnaryOperator sourceFor;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment buf = arena.allocate(65536, 8);
  private final MemorySegment addr = arena.allocate(SockAddrIn.SIZE, 8);
  private final ByteBuffer heap = ByteBuffer.allocate(65536);
  private boolean closed;

  private RawUdpSender(int fd, int port, IntUnaryOperator sourceFor) {
    this.fd = fd;
    this.port = port;
    this.sourceFor = sourceFor;
  }

  /**
   * Opens the raw socket in this thread's network namespace.
   *
   * @param sourceFor destination address → the source address the kernel will use toward it (both
   *     big-endian ints; for the checksum's pseudo-header)
   */
  public static RawUdpSender open(int port, IntUnaryOperator sourceFor) {
    int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, IPPROTO_UDP);
    try {
      SocketFilters.attach(fd, DiscoStunFilter.dropAll());
      return new RawUdpSender(fd, port, sourceFor);
    } catch (RuntimeException e) {
      Libc.close(fd);
      throw e;
    }
  }

  public int port() {
    return port;
  }

  /**
   * Sends {@code data[off..off+len)} as one UDP datagram from port P to {@code to}; {@code ttl} 0 =
   * the route default. Returns false when the kernel refused it (unreachable, buffer full,
   * firewall).
   */
  public synchronized boolean send(byte[] data, int off, int len, InetSocketAddress to, int ttl) {
    if (closed) {
      return false;
    }
    int dst = SockAddrIn.ipv4(to.getAddress());
    heap.clear();
    int udpLen =
        Ipv4Packets.writeUdpDatagram(
            heap,
            sourceFor.applyAsInt(dst),
            port,
            dst,
            to.getPort(),
            ByteBuffer.wrap(data, off, len));
    MemorySegment.copy(heap.array(), 0, buf, JAVA_BYTE, 0, udpLen);
    SockAddrIn.write(addr, 0, dst, 0); // raw sockets ignore the port
    if (ttl > 0) {
      Libc.setsockoptInt(fd, IPPROTO_IP, IP_TTL, ttl);
    }
    try {
      Libc.sendto(fd, buf.asSlice(0, udpLen), udpLen, 0, addr);
      return true;
    } catch (SysException e) {
      if (transientError(e.errno())) {
        return false;
      }
      throw e;
    } finally {
      if (ttl > 0) {
        Libc.setsockoptInt(fd, IPPROTO_IP, IP_TTL, -1);
      }
    }
  }

  private static boolean transientError(int errno) {
    return errno == Errno.EAGAIN.value()
        || errno == 105 /* ENOBUFS */
        || errno == 101 /* ENETUNREACH */
        || errno == 113 /* EHOSTUNREACH */
        || errno == 1 /* EPERM: a local firewall */
        || errno == 90 /* EMSGSIZE */;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      Libc.close(fd);
      arena.close();
    }
  }
}
