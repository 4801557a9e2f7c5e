package dev.gretun.core.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.gretun.core.link.NetlinkTransport;
import dev.gretun.core.wire.netlink.Netlink;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * A netlink socket (AF_NETLINK, SOCK_RAW) over FFM. Extended acks are requested so kernel error
 * texts reach {@link NetlinkException}; receives time out (default 5 s) so a missing reply cannot
 * hang the caller. Not thread-safe: one request at a time.
 */
public final class NetlinkSocket implements NetlinkTransport {
  private static final int SOCKADDR_NL_LEN = 12;
  private static final int INITIAL_RX = 64 * 1024;

  private final Arena arena = Arena.ofShared();
  private final int fd;
  private final int portId;
  private final MemorySegment kernelAddr;
  private MemorySegment rx;
  private boolean closed;

  private NetlinkSocket(int fd, Duration timeout) {
    this.fd = fd;
    try {
      trySetInt(Libc.SOL_NETLINK, Netlink.NETLINK_EXT_ACK, 1);
      trySetInt(Libc.SOL_NETLINK, Netlink.NETLINK_CAP_ACK, 1);
      MemorySegment tv = arena.allocate(16);
      tv.set(JAVA_LONG, 0, timeout.toSeconds());
      tv.set(JAVA_LONG, 8, timeout.toMillisPart() * 1000L);
      Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv);
      MemorySegment local = sockaddr(0);
      Libc.bind(fd, local);
      Libc.getsockname(fd, local);
      this.portId = local.get(JAVA_INT, 4);
      this.kernelAddr = sockaddr(0);
      this.rx = arena.allocate(INITIAL_RX, 8);
    } catch (RuntimeException e) {
      Libc.close(fd);
      arena.close();
      throw e;
    }
  }

  /** Opens a socket for {@code protocol} ({@link Netlink#NETLINK_ROUTE} or NETLINK_GENERIC). */
  public static NetlinkSocket open(int protocol) {
    return open(protocol, Duration.ofSeconds(5));
  }

  public static NetlinkSocket open(int protocol, Duration receiveTimeout) {
    int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
    return new NetlinkSocket(fd, receiveTimeout);
  }

  @Override
  public void send(byte[] message) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment m = a.allocate(message.length);
      MemorySegment.copy(message, 0, m, JAVA_BYTE, 0, message.length);
      Libc.sendto(fd, m, message.length, 0, kernelAddr);
    }
  }

  @Override
  public ByteBuffer receive() {
    long n;
    try {
      n =
          Libc.recvfrom(
              fd,
              rx,
              rx.byteSize(),
              Libc.MSG_PEEK | Libc.MSG_TRUNC,
              MemorySegment.NULL,
              MemorySegment.NULL);
      if (n > rx.byteSize()) {
        rx = arena.allocate(Netlink.align((int) n), 8);
      }
      n = Libc.recvfrom(fd, rx, rx.byteSize(), 0, MemorySegment.NULL, MemorySegment.NULL);
    } catch (SysException e) {
      if (e.errno() == Errno.EAGAIN.value()) {
        throw new NetlinkException(Errno.ETIMEDOUT.value(), "no reply from the kernel in time");
      }
      throw e;
    }
    byte[] copy = rx.asSlice(0, n).toArray(JAVA_BYTE);
    return ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public int portId() {
    return portId;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      Libc.close(fd);
      arena.close();
    }
  }

  private void trySetInt(int level, int name, int value) {
    try {
      Libc.setsockoptInt(fd, level, name, value);
    } catch (SysException e) {
      // Older kernels lack NETLINK_EXT_ACK/CAP_ACK; replies then just carry less detail.
    }
  }

  private MemorySegment sockaddr(int pid) {
    MemorySegment sa = arena.allocate(SOCKADDR_NL_LEN, 4);
    sa.set(JAVA_SHORT, 0, (short) Libc.AF_NETLINK);
    sa.set(JAVA_INT, 4, pid);
    return sa;
  }
}
