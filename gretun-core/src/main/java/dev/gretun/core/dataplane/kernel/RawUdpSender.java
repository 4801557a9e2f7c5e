package dev.gretun.core.dataplane.kernel;

import dev.gretun.core.os.Errno;
import dev.gretun.core.os.ErrnoException;
import dev.gretun.core.os.RawSocket;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.wire.ip.Ipv4Packets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntUnaryOperator;

/**
 * Sends UDP datagrams from port P while the kernel's FOU socket owns P (docs/NAT-TRAVERSAL.md §2):
 * a {@code SOCK_RAW}/{@code IPPROTO_RAW} socket to which we hand the whole IPv4 packet — source
 * port P, the UDP checksum over the pseudo-header with the source address the kernel's route gives,
 * and the TTL: the low-TTL opener's, else the namespace's {@code ip_default_ttl}. The kernel fills
 * in the IP ID, total length and header checksum (raw(7), IP_HDRINCL). One thread (the daemon's
 * event loop) sends.
 *
 * <p>Not an {@code IPPROTO_UDP} raw socket: the kernel hands every raw socket of a protocol its own
 * clone of each datagram of that protocol the host receives, before any filter runs
 * (net/ipv4/raw.c, {@code raw_v4_input}), so one would cost a clone and a free for every FOU packet
 * the tunnel carries. Nothing arrives with protocol 255, so this socket receives nothing.
 */
public final class RawUdpSender implements AutoCloseable {
  private static final Path DEFAULT_TTL = Path.of("/proc/sys/net/ipv4/ip_default_ttl");
  private static final int LINUX_DEFAULT_TTL = 64;
  private final RawSocket socket;
  private final int port;
  private final int defaultTtl;
  private final IntUnaryOperator sourceFor;
  private final ByteBuffer datagram = ByteBuffer.allocate(65536);
  private boolean closed;

  private RawUdpSender(RawSocket socket, int port, int defaultTtl, IntUnaryOperator sourceFor) {
    this.socket = socket;
    this.port = port;
    this.defaultTtl = defaultTtl;
    this.sourceFor = sourceFor;
  }

  /**
   * Opens the raw socket in this thread's network namespace.
   *
   * @param sourceFor destination address → the source address the kernel will use toward it (both
   *     big-endian ints; for the checksum's pseudo-header)
   */
  public static RawUdpSender open(int port, IntUnaryOperator sourceFor) throws ErrnoException {
    return new RawUdpSender(RawSocket.open(RawSocket.IPPROTO_RAW), port, defaultTtl(), sourceFor);
  }

  /** This thread's namespace's {@code net.ipv4.ip_default_ttl}, what a UDP socket would use. */
  private static int defaultTtl() {
    try {
      int ttl = Integer.parseInt(Files.readString(DEFAULT_TTL).trim());
      return ttl >= 1 && ttl <= 255 ? ttl : LINUX_DEFAULT_TTL;
    } catch (IOException | NumberFormatException e) {
      return LINUX_DEFAULT_TTL;
    }
  }

  public int port() {
    return port;
  }

  /**
   * Sends {@code data[off..off+len)} as one UDP datagram from port P to {@code to}; {@code ttl} 0 =
   * the namespace's default. Returns false when the kernel dropped it (unreachable, buffer full,
   * firewall) or the sender is closed.
   */
  public synchronized boolean send(byte[] data, int off, int len, InetSocketAddress to, int ttl)
      throws ErrnoException {
    if (closed) {
      return false;
    }
    int dst = SockAddrIn.ipv4(to.getAddress());
    datagram.clear();
    int packetLen =
        Ipv4Packets.writeUdp(
            datagram,
            sourceFor.applyAsInt(dst),
            port,
            dst,
            to.getPort(),
            ttl > 0 ? ttl : defaultTtl,
            ByteBuffer.wrap(data, off, len));
    long r = socket.send(datagram.array(), 0, packetLen, dst);
    if (r < 0 && !Errno.dropsDatagramOnly((int) -r)) {
      throw new ErrnoException("sendto", (int) -r);
    }
    return r >= 0;
  }

  @Override
  public synchronized void close() {
    closed = true;
    socket.close();
  }
}
