package dev.gretun.core.dataplane.kernel;

import dev.gretun.core.os.Errno;
import dev.gretun.core.os.ErrnoException;
import dev.gretun.core.os.RawSocket;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.wire.bpf.DiscoStunFilter;
import dev.gretun.core.wire.ip.Ipv4Packets;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.IntUnaryOperator;

/**
 * Sends UDP datagrams from port P while the kernel's FOU socket owns P (docs/NAT-TRAVERSAL.md §2):
 * a {@code SOCK_RAW}/{@code IPPROTO_UDP} socket to which we hand the UDP header we built (source
 * port P, checksum over the pseudo-header with the source address the kernel will pick), the kernel
 * adding the IP header. A per-datagram TTL (the low-TTL opener) is set with {@code IP_TTL} around
 * the one send; -1 restores the route default. One thread (the daemon's event loop) sends.
 *
 * <p>A raw UDP socket also receives a copy of every UDP datagram the host gets; a drop-all filter
 * keeps its receive queue empty.
 */
public final class RawUdpSender implements AutoCloseable {
  private final RawSocket socket;
  private final int port;
  private final IntUnaryOperator sourceFor;
  private final ByteBuffer datagram = ByteBuffer.allocate(65536);
  private boolean closed;

  private RawUdpSender(RawSocket socket, int port, IntUnaryOperator sourceFor) {
    this.socket = socket;
    this.port = port;
    this.sourceFor = sourceFor;
  }

  /**
   * Opens the raw socket in this thread's network namespace.
   *
   * @param sourceFor destination address → the source address the kernel will use toward it (both
   *     big-endian ints; for the checksum's pseudo-header)
   */
  public static RawUdpSender open(int port, IntUnaryOperator sourceFor) throws ErrnoException {
    RawSocket socket = RawSocket.open(RawSocket.IPPROTO_UDP);
    try {
      socket.attachFilter(DiscoStunFilter.dropAll());
      return new RawUdpSender(socket, port, sourceFor);
    } catch (ErrnoException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  public int port() {
    return port;
  }

  /**
   * Sends {@code data[off..off+len)} as one UDP datagram from port P to {@code to}; {@code ttl} 0 =
   * the route default. Returns false when the kernel dropped it (unreachable, buffer full,
   * firewall) or the sender is closed.
   */
  public synchronized boolean send(byte[] data, int off, int len, InetSocketAddress to, int ttl)
      throws ErrnoException {
    if (closed) {
      return false;
    }
    int dst = SockAddrIn.ipv4(to.getAddress());
    datagram.clear();
    int udpLen =
        Ipv4Packets.writeUdpDatagram(
            datagram,
            sourceFor.applyAsInt(dst),
            port,
            dst,
            to.getPort(),
            ByteBuffer.wrap(data, off, len));
    if (ttl > 0) {
      socket.setTtl(ttl);
    }
    try {
      long r = socket.send(datagram.array(), 0, udpLen, dst);
      if (r < 0 && !Errno.dropsDatagramOnly((int) -r)) {
        throw new ErrnoException("sendto", (int) -r);
      }
      return r >= 0;
    } finally {
      if (ttl > 0) {
        socket.setTtl(-1);
      }
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    socket.close();
  }
}
