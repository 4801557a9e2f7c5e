package dev.gretun.core.dataplane.userspace;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.gretun.core.os.Errno;
import dev.gretun.core.os.Libc;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.os.SysException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.net.InetSocketAddress;

/**
 * The daemon's one UDP socket on port P (DESIGN.md §2), opened with FFM so that it can batch
 * receives ({@code recvmmsg}) and set the IP TTL per datagram (an {@code IP_TTL} control message on
 * {@code sendmsg}, used by the low-TTL opener without disturbing data sent concurrently).
 *
 * <p>Each thread that sends uses its own {@link Sender}; the one receiving thread uses a {@link
 * Receiver}. Neither allocates per datagram.
 */
public final class UdpPort implements AutoCloseable {
  static final int IPPROTO_IP = 0;
  static final int IP_TTL = 2;
  static final int SOL_SOCKET = 1;
  static final int SO_REUSEADDR = 2;
  static final int SO_RCVBUF = 8;
  static final int SO_SNDBUF = 7;
  static final int SO_SNDBUFFORCE = 32;
  static final int SO_RCVBUFFORCE = 33;
  static final int SO_RCVTIMEO = 20;
  static final int SHUT_RDWR = 2;
  static final int SOL_UDP = 17;
  static final int UDP_SEGMENT = 103;
  static final int UDP_GRO = 104;
  static final int EINVAL = 22;
  static final int EIO = 5;

  // struct msghdr on LP64: name(8) namelen(4+4) iov(8) iovlen(8) control(8) controllen(8)
  // flags(4+4) = 56; struct mmsghdr adds msg_len(4+4) = 64; struct iovec = 16.
  static final int MSGHDR = 56;
  static final int MMSGHDR = 64;
  static final int IOVEC = 16;
  // CMSG_SPACE(sizeof(int)) = 16-byte cmsghdr + 4 padded to 8 = 24; CMSG_LEN(4) = 20.
  static final int CMSG_INT_SPACE = 24;
  static final int CMSG_INT_LEN = 20;
  // CMSG_LEN(sizeof(uint16_t)) = 18, padded to 24 (UDP_SEGMENT's value).
  static final int CMSG_U16_LEN = 18;

  /** UDP_MAX_SEGMENTS in older kernels (newer allow 128): segments per GSO send. */
  public static final int GSO_MAX_SEGMENTS = 64;

  /** Bytes of UDP payload per GSO send, under the 64 KiB IP datagram limit with headers. */
  public static final int GSO_MAX_BYTES = 65000;

  private static final MethodHandle RECVMMSG =
      Libc.downcall(
          "recvmmsg",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
  private static final MethodHandle SENDMSG =
      Libc.downcall("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle SENDTO =
      Libc.downcall(
          "sendto",
          FunctionDescriptor.of(
              JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle SENDMMSG_RAW =
      Libc.downcall(
          "sendmmsg", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT));
  private static final MethodHandle SHUTDOWN =
      Libc.downcall("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

  private volatile int fd;
  private final int port;
  private volatile boolean closed;
  private volatile boolean gro;

  private UdpPort(int fd, int port) {
    this.fd = fd;
    this.port = port;
  }

  /**
   * Binds {@code 0.0.0.0:port} (port 0 = kernel's choice). Receives time out every {@code
   * receiveTimeoutMillis} so the receiving thread can notice {@link #close()}.
   */
  public static UdpPort bind(int port, int receiveTimeoutMillis) {
    int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
    try (Arena arena = Arena.ofConfined()) {
      bufferSize(fd, SO_RCVBUFFORCE, SO_RCVBUF, 4 << 20);
      bufferSize(fd, SO_SNDBUFFORCE, SO_SNDBUF, 4 << 20);
      MemorySegment tv = arena.allocate(16);
      tv.set(JAVA_LONG, 0, receiveTimeoutMillis / 1000);
      tv.set(JAVA_LONG, 8, (receiveTimeoutMillis % 1000) * 1000L);
      Libc.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv);
      MemorySegment sa = arena.allocate(SockAddrIn.SIZE);
      SockAddrIn.write(sa, 0, 0, port);
      Libc.bind(fd, sa);
      MemorySegment bound = arena.allocate(SockAddrIn.SIZE);
      Libc.getsockname(fd, bound);
      return new UdpPort(fd, SockAddrIn.port(bound, 0));
    } catch (RuntimeException e) {
      Libc.close(fd);
      throw e;
    }
  }

  public int port() {
    return port;
  }

  /**
   * Socket buffers: the plain options are capped by net.core.[rw]mem_max (about 200 KiB by default,
   * which a burst of GSO trains overflows); the *FORCE variants, allowed with CAP_NET_ADMIN, are
   * not.
   */
  private static void bufferSize(int fd, int force, int plain, int bytes) {
    try {
      Libc.setsockoptInt(fd, SOL_SOCKET, force, bytes);
    } catch (SysException e) {
      Libc.setsockoptInt(fd, SOL_SOCKET, plain, bytes);
    }
  }

  public boolean isClosed() {
    return closed;
  }

  /**
   * Asks the kernel to hand over UDP GSO trains (and GRO-coalesced runs) as one datagram plus a
   * {@code UDP_GRO} control message with the segment size (see {@link Receiver#segmentSize}).
   * Returns false when the kernel does not support it (nothing changes then).
   */
  public boolean enableGro() {
    try {
      Libc.setsockoptInt(fd, SOL_UDP, UDP_GRO, 1);
      gro = true;
      return true;
    } catch (SysException e) {
      return false;
    }
  }

  /**
   * Makes a blocked or future {@link Receiver#receive()} return -1 without releasing the descriptor
   * (so a thread still inside a call cannot hit a reused fd). Idempotent.
   */
  public synchronized void wake() {
    if (closed) {
      return;
    }
    closed = true;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment st = Libc.newCallState(arena);
      // On an unconnected UDP socket this reports ENOTCONN but still wakes readers (inet_shutdown).
      int ignored = (int) SHUTDOWN.invokeExact(st, fd, SHUT_RDWR);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** Wakes receivers and releases the port; call after the packet threads have stopped. */
  @Override
  public synchronized void close() {
    if (fd < 0) {
      return;
    }
    wake();
    Libc.close(fd);
    fd = -1;
  }

  /** A per-thread sender: owns its native scratch memory. */
  public Sender sender() {
    return new Sender();
  }

  /** A receiver for one thread: {@code batch} datagrams of up to {@code size} bytes per call. */
  public Receiver receiver(int batch, int size) {
    return new Receiver(batch, size, 0);
  }

  /**
   * Like {@link #receiver(int, int)}, with {@code headroom} writable bytes in front of every
   * datagram (a TUN vnet header goes there).
   */
  public Receiver receiver(int batch, int size, int headroom) {
    return new Receiver(batch, size, headroom);
  }

  /** A {@code sendmmsg} batch for one thread: up to {@code capacity} datagrams per call. */
  public Batch batch(int capacity) {
    return new Batch(capacity);
  }

  /** Sends datagrams from one thread. */
  public final class Sender {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment state = Libc.newCallState(arena);
    private final MemorySegment addr = arena.allocate(SockAddrIn.SIZE);
    private final MemorySegment msg = arena.allocate(MSGHDR, 8);
    private final MemorySegment iov = arena.allocate(IOVEC, 8);
    private final MemorySegment cmsg = arena.allocate(CMSG_INT_SPACE, 8);
    private final MemorySegment heap = arena.allocate(65536, 8);

    private Sender() {}

    /**
     * Sends {@code len} bytes of native {@code buf} at {@code off} to {@code ip:port}. Returns
     * false when the kernel refused transiently (buffer full, unreachable): the datagram is
     * dropped, as a router would.
     */
    public boolean send(MemorySegment buf, long off, int len, int ip, int dstPort) {
      SockAddrIn.write(addr, 0, ip, dstPort);
      try {
        long r =
            (long)
                SENDTO.invokeExact(
                    state, fd, buf.asSlice(off, len), (long) len, 0, addr, SockAddrIn.SIZE);
        return r >= 0 || transientError(Libc.errno(state), "sendto");
      } catch (SysException | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      }
    }

    /**
     * Sends a heap datagram to {@code to}, with IP TTL {@code ttl} for this datagram only (0 = the
     * socket default). For control traffic (disco, STUN); copies into native memory.
     */
    public boolean send(byte[] data, int off, int len, InetSocketAddress to, int ttl) {
      MemorySegment.copy(data, off, heap, JAVA_BYTE, 0, len);
      SockAddrIn.write(addr, 0, to);
      msg.fill((byte) 0);
      msg.set(ADDRESS, 0, addr);
      msg.set(JAVA_INT, 8, SockAddrIn.SIZE);
      iov.set(ADDRESS, 0, heap);
      iov.set(JAVA_LONG, 8, len);
      msg.set(ADDRESS, 16, iov);
      msg.set(JAVA_LONG, 24, 1L);
      if (ttl > 0) {
        cmsg.fill((byte) 0);
        cmsg.set(JAVA_LONG, 0, CMSG_INT_LEN);
        cmsg.set(JAVA_INT, 8, IPPROTO_IP);
        cmsg.set(JAVA_INT, 12, IP_TTL);
        cmsg.set(JAVA_INT, 16, ttl);
        msg.set(ADDRESS, 32, cmsg);
        msg.set(JAVA_LONG, 40, (long) CMSG_INT_SPACE);
      }
      try {
        long r = (long) SENDMSG.invokeExact(state, fd, msg, 0);
        return r >= 0 || transientError(Libc.errno(state), "sendmsg");
      } catch (SysException | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      }
    }

    public void close() {
      arena.close();
    }
  }

  /**
   * Datagrams queued from native memory the caller owns and sent with one {@code sendmmsg}. An
   * entry with a segment size is a UDP GSO train ({@code UDP_SEGMENT}): the kernel cuts it into
   * datagrams of that size (the last may be shorter), all to the same destination. Allocates
   * nothing.
   */
  public final class Batch {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment state = Libc.newCallState(arena);
    private final int capacity;
    private final MemorySegment msgs;
    private final MemorySegment names;
    private final MemorySegment iovs;
    private final MemorySegment cmsgs;
    private final boolean[] sent;
    private int count;
    private volatile boolean gsoUnsupported;

    private Batch(int capacity) {
      this.capacity = capacity;
      this.msgs = arena.allocate((long) capacity * MMSGHDR, 8);
      this.names = arena.allocate((long) capacity * SockAddrIn.SIZE, 8);
      this.iovs = arena.allocate((long) capacity * IOVEC, 8);
      this.cmsgs = arena.allocate((long) capacity * CMSG_INT_SPACE, 8);
      this.sent = new boolean[capacity];
      for (int i = 0; i < capacity; i++) {
        long m = (long) i * MMSGHDR;
        msgs.set(JAVA_LONG, m, names.address() + (long) i * SockAddrIn.SIZE);
        msgs.set(JAVA_INT, m + 8, SockAddrIn.SIZE);
        msgs.set(JAVA_LONG, m + 16, iovs.address() + (long) i * IOVEC);
        msgs.set(JAVA_LONG, m + 24, 1L);
        long c = (long) i * CMSG_INT_SPACE;
        cmsgs.set(JAVA_LONG, c, CMSG_U16_LEN);
        cmsgs.set(JAVA_INT, c + 8, SOL_UDP);
        cmsgs.set(JAVA_INT, c + 12, UDP_SEGMENT);
      }
    }

    public int size() {
      return count;
    }

    public int capacity() {
      return capacity;
    }

    public boolean isFull() {
      return count == capacity;
    }

    /** False once the kernel refused a GSO train: send segments one by one from then on. */
    public boolean gsoSupported() {
      return !gsoUnsupported;
    }

    /**
     * Queues {@code buf[off..off+len)} (native memory that must stay put until {@link #flush}) to
     * {@code ip:port}; {@code segmentSize} > 0 makes it a GSO train of that segment size. Returns
     * the entry's index.
     */
    public int add(MemorySegment buf, long off, int len, int ip, int dstPort, int segmentSize) {
      if (count == capacity) {
        throw new IllegalStateException("batch full");
      }
      if (!buf.isNative()) {
        throw new IllegalArgumentException("batch entries must be native memory");
      }
      java.util.Objects.checkFromIndexSize(off, len, buf.byteSize());
      int i = count++;
      SockAddrIn.write(names, (long) i * SockAddrIn.SIZE, ip, dstPort);
      iovs.set(JAVA_LONG, (long) i * IOVEC, buf.address() + off);
      iovs.set(JAVA_LONG, (long) i * IOVEC + 8, len);
      long m = (long) i * MMSGHDR;
      if (segmentSize > 0 && segmentSize < len) {
        long c = (long) i * CMSG_INT_SPACE;
        cmsgs.set(JAVA_SHORT, c + 16, (short) segmentSize);
        msgs.set(JAVA_LONG, m + 32, cmsgs.address() + c);
        msgs.set(JAVA_LONG, m + 40, (long) CMSG_INT_SPACE);
      } else {
        msgs.set(JAVA_LONG, m + 32, 0L);
        msgs.set(JAVA_LONG, m + 40, 0L);
      }
      msgs.set(JAVA_INT, m + 48, 0);
      return i;
    }

    /**
     * Sends every queued entry and empties the batch; returns how many the kernel took. {@link
     * #sent(int)} tells which (a refused entry is dropped, as a router would).
     */
    public int flush() {
      int n = count;
      int ok = 0;
      int i = 0;
      try {
        // Bounded: every round either sends at least one entry or drops one.
        while (i < n) {
          int r =
              (int)
                  SENDMMSG_RAW.invokeExact(
                      state, fd, msgs.address() + (long) i * MMSGHDR, n - i, 0);
          if (r > 0) {
            for (int k = i; k < i + r; k++) {
              sent[k] = true;
            }
            ok += r;
            i += r;
            continue;
          }
          int errno = Libc.errno(state);
          boolean gsoEntry = msgs.get(JAVA_LONG, (long) i * MMSGHDR + 40) != 0;
          if (gsoEntry && (errno == EINVAL || errno == EIO || errno == 92 /* ENOPROTOOPT */)) {
            gsoUnsupported = true;
          } else {
            boolean ignored = transientError(errno, "sendmmsg"); // throws unless transient
          }
          sent[i] = false;
          i++;
        }
      } catch (SysException | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      } finally {
        count = 0;
      }
      return ok;
    }

    /** After {@link #flush}: whether entry {@code i} of that flush was sent. */
    public boolean sent(int i) {
      return sent[i];
    }

    public void close() {
      arena.close();
    }
  }

  /** Errors a datagram sender shrugs off (the packet is lost, the socket is fine). */
  private boolean transientError(int errno, String call) {
    if (errno == Errno.EAGAIN.value()
        || errno == Errno.EINTR.value()
        || errno == 105 /* ENOBUFS */
        || errno == 111 /* ECONNREFUSED: ICMP port unreachable from an earlier datagram */
        || errno == 101 /* ENETUNREACH */
        || errno == 113 /* EHOSTUNREACH */
        || errno == 1 /* EPERM: dropped by a local firewall */
        || errno == 90 /* EMSGSIZE */) {
      return false;
    }
    if (closed) {
      return false;
    }
    throw new SysException(call, errno);
  }

  /**
   * Receives batches of datagrams from one thread with {@code recvmmsg}. After {@link #receive()}
   * returns n, datagram i is at {@link #data()} offset {@code i * size}, {@link #length(int)} bytes
   * long, from {@link #sourceIp(int)}:{@link #sourcePort(int)}.
   */
  public final class Receiver {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment state = Libc.newCallState(arena);
    private final int batch;
    private final int size;
    private final int headroom;
    private final long stride;
    private final MemorySegment data;
    private final MemorySegment names;
    private final MemorySegment iovs;
    private final MemorySegment msgs;
    private final MemorySegment cmsgs;

    private Receiver(int batch, int size, int headroom) {
      this.batch = batch;
      this.size = size;
      this.headroom = headroom;
      this.stride = (headroom + size + 63) & ~63L;
      this.data = arena.allocate(batch * stride, 64);
      this.names = arena.allocate((long) batch * SockAddrIn.SIZE, 8);
      this.iovs = arena.allocate((long) batch * IOVEC, 8);
      this.msgs = arena.allocate((long) batch * MMSGHDR, 8);
      this.cmsgs = arena.allocate((long) batch * CMSG_INT_SPACE, 8);
      // Pointers are set once (raw addresses: no per-call slices); receive() resets the lengths.
      for (int i = 0; i < batch; i++) {
        iovs.set(JAVA_LONG, (long) i * IOVEC, data.address() + offset(i));
        iovs.set(JAVA_LONG, (long) i * IOVEC + 8, size);
        long m = (long) i * MMSGHDR;
        msgs.set(JAVA_LONG, m, names.address() + (long) i * SockAddrIn.SIZE);
        msgs.set(JAVA_LONG, m + 16, iovs.address() + (long) i * IOVEC);
        msgs.set(JAVA_LONG, m + 24, 1L);
        msgs.set(JAVA_LONG, m + 32, cmsgs.address() + (long) i * CMSG_INT_SPACE);
      }
    }

    /**
     * Blocks until at least one datagram arrives or the receive timeout passes; returns how many
     * arrived (0 on timeout), or -1 once the port is closed.
     */
    public int receive() {
      if (closed) {
        return -1;
      }
      for (int i = 0; i < batch; i++) {
        long m = (long) i * MMSGHDR;
        msgs.set(JAVA_INT, m + 8, SockAddrIn.SIZE);
        msgs.set(JAVA_LONG, m + 40, (long) CMSG_INT_SPACE);
        msgs.set(JAVA_INT, m + 48, 0);
        msgs.set(JAVA_INT, m + 56, 0);
      }
      try {
        // MSG_WAITFORONE (0x10000): block for the first datagram, then take what is queued.
        int n = (int) RECVMMSG.invokeExact(state, fd, msgs, batch, 0x10000, MemorySegment.NULL);
        if (n >= 0) {
          return closed ? -1 : n; // after shutdown the kernel reports one empty message
        }
        int errno = Libc.errno(state);
        if (closed) {
          return -1;
        }
        if (errno == Errno.EAGAIN.value() || errno == Errno.EINTR.value() || errno == 111) {
          return 0;
        }
        throw new SysException("recvmmsg", errno);
      } catch (SysException | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      }
    }

    /**
     * The size of the datagrams datagram i is made of: with {@link #enableGro()} the kernel may
     * deliver a run of same-size datagrams from one source as one (the last may be shorter);
     * otherwise, and for a single datagram, its length.
     */
    public int segmentSize(int i) {
      long m = (long) i * MMSGHDR;
      if (gro && msgs.get(JAVA_LONG, m + 40) >= CMSG_INT_LEN) {
        long c = (long) i * CMSG_INT_SPACE;
        if (cmsgs.get(JAVA_INT, c + 8) == SOL_UDP && cmsgs.get(JAVA_INT, c + 12) == UDP_GRO) {
          int seg = cmsgs.get(JAVA_INT, c + 16);
          if (seg > 0) {
            return seg;
          }
        }
      }
      return length(i);
    }

    /** Writable bytes in front of each datagram. */
    public int headroom() {
      return headroom;
    }

    public MemorySegment data() {
      return data;
    }

    public int size() {
      return size;
    }

    public long offset(int i) {
      return i * stride + headroom;
    }

    public int length(int i) {
      return msgs.get(JAVA_INT, (long) i * MMSGHDR + 56);
    }

    /** True when datagram i was longer than the buffer (MSG_TRUNC in msg_flags). */
    public boolean truncated(int i) {
      return (msgs.get(JAVA_INT, (long) i * MMSGHDR + 48) & 0x20) != 0;
    }

    public int sourceIp(int i) {
      return SockAddrIn.ip(names, (long) i * SockAddrIn.SIZE);
    }

    public int sourcePort(int i) {
      return SockAddrIn.port(names, (long) i * SockAddrIn.SIZE);
    }

    public void close() {
      arena.close();
    }
  }
}
