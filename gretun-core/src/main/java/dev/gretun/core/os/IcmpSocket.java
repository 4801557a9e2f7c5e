package dev.gretun.core.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An ICMP socket connected to one IPv4 host, for echo requests and replies. Two kinds:
 *
 * <ul>
 *   <li>{@link Kind#PING}: an unprivileged ping socket ({@code SOCK_DGRAM, IPPROTO_ICMP}), allowed
 *       when the caller's group is inside {@code net.ipv4.ping_group_range}. The kernel assigns the
 *       echo identifier (the socket's "port", read back with getsockname), overwrites the id of
 *       every request with it and delivers only replies carrying it; datagrams are bare ICMP.
 *   <li>{@link Kind#RAW}: {@code SOCK_RAW, IPPROTO_ICMP}, needs CAP_NET_RAW. It receives a copy of
 *       every ICMP packet from the connected host with its IP header; the identifier is ours, so
 *       the caller must match replies on it.
 * </ul>
 *
 * {@link #receive} strips the IP header, so callers see ICMP messages from both kinds.
 */
public final class IcmpSocket extends SocketFd {
  /** Which socket type carries the echoes. */
  public enum Kind {
    PING,
    RAW
  }

  private static final int MAX_DATAGRAM = 65536;

  private final Kind kind;
  private final int id;
  private final MemorySegment buf = arena.allocate(MAX_DATAGRAM, 8);

  private IcmpSocket(int fd, Kind kind, int id) {
    super(fd);
    this.kind = kind;
    this.id = id;
  }

  /**
   * A ping socket if the kernel allows one, else a raw socket.
   *
   * @throws ErrnoException from the raw socket (EPERM: neither kind is permitted)
   */
  public static IcmpSocket connect(Inet4Address host) throws ErrnoException {
    try {
      return connect(host, Kind.PING);
    } catch (ErrnoException e) {
      // EACCES: our group is outside net.ipv4.ping_group_range (the default "1 0" allows nobody).
      return connect(host, Kind.RAW);
    }
  }

  /** A socket of exactly {@code kind}, connected to {@code host}. */
  public static IcmpSocket connect(Inet4Address host, Kind kind) throws ErrnoException {
    int type = kind == Kind.PING ? Libc.SOCK_DGRAM : Libc.SOCK_RAW;
    return Sockets.open(
        Libc.AF_INET,
        type,
        Libc.IPPROTO_ICMP,
        fd -> {
          try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = a.allocate(SockAddrIn.LAYOUT);
            SockAddrIn.write(addr, 0, SockAddrIn.ipv4(host), 0);
            Libc.check("connect", Libc.connect(fd, addr));
            if (kind == Kind.RAW) {
              return new IcmpSocket(fd, kind, ThreadLocalRandom.current().nextInt(1, 0x10000));
            }
            Sockets.localAddress(fd, addr);
            return new IcmpSocket(fd, kind, SockAddrIn.port(addr, 0));
          }
        });
  }

  public Kind kind() {
    return kind;
  }

  /** The echo identifier replies carry: the kernel's for a ping socket, ours for a raw one. */
  public int id() {
    return id;
  }

  /** Sends one ICMP message; the bytes sent, or -errno. */
  public synchronized long send(byte[] icmp) {
    if (isClosed()) {
      return -Errno.EBADF.value();
    }
    MemorySegment.copy(icmp, 0, buf, JAVA_BYTE, 0, icmp.length);
    return Libc.sendto(fd, buf.address(), icmp.length, 0, MemorySegment.NULL);
  }

  /**
   * Waits at most {@code timeout} (at least 1 ms) for the next ICMP message and copies it, without
   * an IP header, into {@code into}. Returns its length (truncated to {@code into.length}), 0 for a
   * datagram too short to hold an IP header, or -errno (EAGAIN: nothing arrived in time).
   */
  public synchronized int receive(byte[] into, Duration timeout) throws ErrnoException {
    if (isClosed()) {
      return -Errno.EBADF.value();
    }
    Duration wait = timeout.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : timeout;
    Sockets.setReceiveTimeout(fd, wait);
    long n = Libc.recv(fd, buf.address(), MAX_DATAGRAM, 0);
    if (n < 0) {
      return (int) n;
    }
    int skip = 0;
    if (kind == Kind.RAW) {
      skip = n < 1 ? 0 : (buf.get(JAVA_BYTE, 0) & 0x0f) * 4;
      if (skip < 20 || skip > n) {
        return 0;
      }
    }
    int len = (int) Math.min(n - skip, into.length);
    MemorySegment.copy(buf, JAVA_BYTE, skip, into, 0, len);
    return len;
  }
}
