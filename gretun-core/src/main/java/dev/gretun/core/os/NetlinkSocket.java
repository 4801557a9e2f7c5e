package dev.gretun.core.os;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.gretun.core.wire.netlink.Netlink;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * A netlink socket (AF_NETLINK, SOCK_RAW) over FFM. Extended acks are requested so kernel error
 * texts reach {@link NetlinkException}; receives time out (default 5 s) so a missing reply cannot
 * hang the caller. Every failure, of the socket calls too, is a {@link NetlinkException} carrying
 * the errno (the {@link NetlinkTransport} contract). Not thread-safe: one request at a time.
 */
public final class NetlinkSocket extends SocketFd implements NetlinkTransport {
  private static final int SOL_NETLINK = 270;
  private static final int INITIAL_RX = 64 * 1024;

  /** {@code struct sockaddr_nl}. */
  private static final StructLayout SOCKADDR_NL =
      MemoryLayout.structLayout(
          JAVA_SHORT.withName("nl_family"),
          JAVA_SHORT.withName("nl_pad"),
          JAVA_INT.withName("nl_pid"),
          JAVA_INT.withName("nl_groups"));

  private static final long NL_FAMILY = SOCKADDR_NL.byteOffset(groupElement("nl_family"));
  private static final long NL_PID = SOCKADDR_NL.byteOffset(groupElement("nl_pid"));

  private final int portId;
  private final MemorySegment kernelAddr = sockaddr(arena);
  private MemorySegment tx = arena.allocate(INITIAL_RX, 8);
  private MemorySegment rx = arena.allocate(INITIAL_RX, 8);

  private NetlinkSocket(int fd, int portId) {
    super(fd);
    this.portId = portId;
  }

  /** Opens a socket for {@code protocol} ({@link Netlink#NETLINK_ROUTE} or NETLINK_GENERIC). */
  public static NetlinkSocket open(int protocol) {
    return open(protocol, Duration.ofSeconds(5));
  }

  public static NetlinkSocket open(int protocol, Duration receiveTimeout) {
    try {
      return Sockets.open(
          Libc.AF_NETLINK,
          Libc.SOCK_RAW,
          protocol,
          fd -> {
            // Older kernels lack NETLINK_EXT_ACK/CAP_ACK; replies then just carry less detail.
            Sockets.trySetInt(fd, SOL_NETLINK, Netlink.NETLINK_EXT_ACK, 1);
            Sockets.trySetInt(fd, SOL_NETLINK, Netlink.NETLINK_CAP_ACK, 1);
            Sockets.setReceiveTimeout(fd, receiveTimeout);
            try (Arena arena = Arena.ofConfined()) {
              MemorySegment local = sockaddr(arena);
              Sockets.bind(fd, local);
              Sockets.localAddress(fd, local);
              return new NetlinkSocket(fd, local.get(JAVA_INT, NL_PID));
            }
          });
    } catch (ErrnoException e) {
      throw new NetlinkException(e.errno(), null);
    }
  }

  @Override
  public void send(byte[] message) {
    if (message.length > tx.byteSize()) {
      tx = arena.allocate(message.length, 8);
    }
    MemorySegment.copy(message, 0, tx, JAVA_BYTE, 0, message.length);
    long r = Libc.sendto(fd, tx.address(), message.length, 0, kernelAddr);
    if (r < 0) {
      throw new NetlinkException((int) -r, null);
    }
  }

  @Override
  public ByteBuffer receive() {
    long n = Libc.recv(fd, rx.address(), rx.byteSize(), Libc.MSG_PEEK | Libc.MSG_TRUNC);
    if (n > rx.byteSize()) {
      rx = arena.allocate(Netlink.align((int) n), 8);
    }
    if (n >= 0) {
      n = Libc.recv(fd, rx.address(), rx.byteSize(), 0);
    }
    if (n == -Errno.EAGAIN.value()) {
      throw new NetlinkException(Errno.ETIMEDOUT.value(), "no reply from the kernel in time");
    }
    if (n < 0) {
      throw new NetlinkException((int) -n, null);
    }
    byte[] copy = rx.asSlice(0, n).toArray(JAVA_BYTE);
    return ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public int portId() {
    return portId;
  }

  /** A {@code sockaddr_nl} for the kernel (pid 0), or to be filled by getsockname. */
  private static MemorySegment sockaddr(Arena arena) {
    MemorySegment sa = arena.allocate(SOCKADDR_NL);
    sa.set(JAVA_SHORT, NL_FAMILY, (short) Libc.AF_NETLINK);
    return sa;
  }
}
