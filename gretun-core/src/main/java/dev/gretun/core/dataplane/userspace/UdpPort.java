package dev.gretun.core.dataplane.userspace;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.gretun.core.dataplane.PacketErrors;
import dev.gretun.core.os.Errno;
import dev.gretun.core.os.ErrnoException;
import dev.gretun.core.os.MessageVector;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.os.UdpSocket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * The daemon's one UDP socket on port P (docs/NAT-TRAVERSAL.md §2), batching receives ({@code
 * recvmmsg}) and sends ({@code sendmmsg}, UDP GSO trains) and setting the IP TTL per datagram (an
 * {@code IP_TTL} control message, used by the low-TTL opener without disturbing data sent
 * concurrently).
 *
 * <p>Each thread that sends uses its own {@link Sender} or {@link Batch}; the one receiving thread
 * uses a {@link Receiver}. None allocates per datagram. A single send ({@link Sender}) the kernel
 * refuses for that datagram only ({@link Errno#dropsDatagramOnly}) is dropped, as a router would;
 * any other errno is an {@link ErrnoException}. A {@link Batch} drops whatever entry is refused and
 * throws only when the socket is unusable.
 */
public final class UdpPort implements AutoCloseable {
  /** UDP_MAX_SEGMENTS in older kernels (newer allow 128): segments per GSO send. */
  public static final int GSO_MAX_SEGMENTS = 64;

  /** Bytes of UDP payload per GSO send, under the 64 KiB IP datagram limit with headers. */
  public static final int GSO_MAX_BYTES = 65000;

  private static final int SOCKET_BUFFER = 4 << 20;
  private static final long INT_CONTROL = MessageVector.space(Integer.BYTES);

  /** The {@code sendmmsg} call every sender of this port makes: how many sent, or -errno. */
  interface SendCall {
    int send(MessageVector v, int from, int n);
  }

  private final UdpSocket socket;
  private volatile SendCall sendCall;
  private volatile boolean closed;
  private boolean released;
  private volatile boolean gro;

  private UdpPort(UdpSocket socket) {
    this.socket = socket;
    this.sendCall = socket::send;
  }

  /**
   * Test seam: routes every later send through {@code wrap} of the current call (fault injection).
   */
  void interceptSends(java.util.function.UnaryOperator<SendCall> wrap) {
    sendCall = wrap.apply(sendCall);
  }

  /**
   * Binds {@code 0.0.0.0:port} (port 0 = kernel's choice). Receives time out every {@code
   * receiveTimeoutMillis} (0: never; {@link #wake()} still ends a blocked receive).
   */
  public static UdpPort bind(int port, int receiveTimeoutMillis) throws ErrnoException {
    return new UdpPort(
        UdpSocket.bind(port, Duration.ofMillis(receiveTimeoutMillis), SOCKET_BUFFER));
  }

  public int port() {
    return socket.port();
  }

  public boolean isClosed() {
    return closed;
  }

  /**
   * Asks the kernel to hand over UDP GSO trains (and GRO-coalesced runs) as one datagram plus the
   * segment size (see {@link Receiver#segmentSize}). Returns false when the kernel does not support
   * it (nothing changes then).
   */
  public boolean enableGro() {
    gro = socket.enableGro();
    return gro;
  }

  /**
   * Makes a blocked or future {@link Receiver#receive()} return -1 without releasing the descriptor
   * (so a thread still inside a call cannot hit a reused fd). Idempotent.
   */
  public synchronized void wake() {
    if (!closed) {
      closed = true;
      socket.shutdown();
    }
  }

  /** Wakes receivers and releases the port; call after the packet threads have stopped. */
  @Override
  public synchronized void close() {
    if (!released) {
      released = true;
      wake();
      socket.close();
    }
  }

  /** A per-thread sender: owns its native scratch memory. */
  public Sender sender() {
    return new Sender(65536);
  }

  /**
   * A per-thread sender whose heap sends ({@link Sender#send(byte[], int, int, InetSocketAddress,
   * int)}) take at most {@code maxBytes}: small scratch for the many extra sockets of a birthday
   * punch, which only send disco.
   */
  Sender sender(int maxBytes) {
    return new Sender(maxBytes);
  }

  /**
   * Waits up to {@code timeoutMillis} until one of {@code ports[0..count)} is readable or woken;
   * sets {@code ready[i]} for those. Returns how many, 0 on timeout, or -errno.
   */
  static int pollReadable(UdpPort[] ports, int count, int timeoutMillis, boolean[] ready) {
    UdpSocket[] sockets = new UdpSocket[count];
    for (int i = 0; i < count; i++) {
      sockets[i] = ports[i].socket;
    }
    return UdpSocket.pollReadable(sockets, count, timeoutMillis, ready);
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

  /**
   * False when the send failed with {@code errno} for that datagram only (or after {@link #wake}):
   * it is dropped. Throws for any other errno.
   */
  private boolean dropped(int errno, String call) throws ErrnoException {
    if (closed || Errno.dropsDatagramOnly(errno)) {
      return false;
    }
    throw new ErrnoException(call, errno);
  }

  /** Sends single heap datagrams (disco, STUN, probes) from one thread. */
  public final class Sender {
    private final Arena arena = Arena.ofShared();
    private final MessageVector msg = new MessageVector(arena, 1, SockAddrIn.SIZE, INT_CONTROL);
    private final MemorySegment heap;

    private Sender(int maxBytes) {
      heap = arena.allocate(maxBytes, 8);
    }

    /**
     * Sends {@code data[off..off+len)} to {@code to}, with IP TTL {@code ttl} for this datagram
     * only (0 = the socket default); copies into native memory. False when the kernel dropped it.
     */
    public boolean send(byte[] data, int off, int len, InetSocketAddress to, int ttl)
        throws ErrnoException {
      MemorySegment.copy(data, off, heap, JAVA_BYTE, 0, len);
      msg.setData(0, heap.address(), len);
      msg.setPeer(0, SockAddrIn.ipv4(to.getAddress()), to.getPort());
      if (ttl > 0) {
        msg.setControlInt(0, UdpSocket.IPPROTO_IP, UdpSocket.IP_TTL, ttl);
      } else {
        msg.clearControl(0);
      }
      int r = sendCall.send(msg, 0, 1);
      return r > 0 || dropped(-r, "sendmsg");
    }

    /**
     * Sends native {@code buf[off..off+len)} (no copy) to {@code ip:dstPort} at the default TTL.
     * False when the kernel dropped it.
     */
    public boolean send(MemorySegment buf, long off, int len, int ip, int dstPort)
        throws ErrnoException {
      Objects.checkFromIndexSize(off, len, buf.byteSize());
      msg.setData(0, buf.address() + off, len);
      msg.setPeer(0, ip, dstPort);
      msg.clearControl(0);
      int r = sendCall.send(msg, 0, 1);
      return r > 0 || dropped(-r, "sendmsg");
    }

    public void close() {
      arena.close();
    }
  }

  /**
   * Datagrams queued from native memory the caller owns and sent with one {@code sendmmsg}. An
   * entry with a segment size is a UDP GSO train ({@code UDP_SEGMENT}): the kernel cuts it into
   * datagrams of that size (the last may be shorter), all to the same destination. Allocates
   * nothing. A refused entry is dropped and the rest still go out; only an errno that leaves the
   * socket unusable ({@link PacketErrors#fatal}) throws.
   */
  public final class Batch {
    private final Arena arena = Arena.ofShared();
    private final MessageVector msgs;
    private final int[] errno;
    private int count;
    private volatile boolean gsoUnsupported;

    private Batch(int capacity) {
      this.msgs = new MessageVector(arena, capacity, SockAddrIn.SIZE, INT_CONTROL);
      this.errno = new int[capacity];
    }

    public int size() {
      return count;
    }

    public int capacity() {
      return msgs.count();
    }

    public boolean isFull() {
      return count == msgs.count();
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
      if (isFull()) {
        throw new IllegalStateException("batch full");
      }
      if (!buf.isNative()) {
        throw new IllegalArgumentException("batch entries must be native memory");
      }
      Objects.checkFromIndexSize(off, len, buf.byteSize());
      int i = count++;
      msgs.setPeer(i, ip, dstPort);
      msgs.setData(i, buf.address() + off, len);
      if (segmentSize > 0 && segmentSize < len) {
        msgs.setControlShort(i, UdpSocket.SOL_UDP, UdpSocket.UDP_SEGMENT, (short) segmentSize);
      } else {
        msgs.clearControl(i);
      }
      return i;
    }

    /**
     * Sends every queued entry and empties the batch; returns how many the kernel took. {@link
     * #sent(int)} and {@link #errno(int)} tell which (a refused entry is dropped, as a router
     * would). Throws only when the socket itself is unusable ({@link PacketErrors#fatal}).
     */
    public int flush() throws ErrnoException {
      int n = count;
      int ok = 0;
      int i = 0;
      SendCall call = sendCall;
      try {
        // Bounded: every round either sends at least one entry or drops one.
        while (i < n) {
          int r = call.send(msgs, i, n - i);
          if (r > 0) {
            for (int k = i; k < i + r; k++) {
              errno[k] = 0;
            }
            ok += r;
            i += r;
            continue;
          }
          int e = r == 0 ? Errno.EAGAIN.value() : -r;
          if (PacketErrors.fatal(e) && !closed) {
            throw new ErrnoException("sendmmsg", e);
          }
          if (closed) {
            e = Errno.EAGAIN.value();
          } else if (msgs.hasControl(i) && gsoRefused(e)) {
            // The train is lost like an oversized datagram; later ones go out as single segments.
            gsoUnsupported = true;
            e = Errno.EMSGSIZE.value();
          }
          errno[i] = e;
          i++;
        }
      } finally {
        count = 0;
      }
      return ok;
    }

    /** How a kernel without UDP GSO (or a device that cannot do it) refuses a train. */
    private static boolean gsoRefused(int errno) {
      return Errno.EINVAL.is(errno) || Errno.EIO.is(errno) || Errno.ENOPROTOOPT.is(errno);
    }

    /** After {@link #flush}: whether entry {@code i} of that flush was sent. */
    public boolean sent(int i) {
      return errno[i] == 0;
    }

    /** After {@link #flush}: why entry {@code i} was not sent (0 when it was). */
    public int errno(int i) {
      return errno[i];
    }

    public void close() {
      arena.close();
    }
  }

  /**
   * Receives batches of datagrams from one thread with {@code recvmmsg}. After {@link #receive()}
   * returns n, datagram i is at {@link #data()} offset {@link #offset(int)}, {@link #length(int)}
   * bytes long, from {@link #sourceIp(int)}:{@link #sourcePort(int)}.
   */
  public final class Receiver {
    private final Arena arena = Arena.ofShared();
    private final int size;
    private final int headroom;
    private final long stride;
    private final MemorySegment data;
    private final MessageVector msgs;

    private Receiver(int batch, int size, int headroom) {
      this.size = size;
      this.headroom = headroom;
      this.stride = (headroom + size + 63) & ~63L;
      this.data = arena.allocate(batch * stride, 64);
      this.msgs = new MessageVector(arena, batch, SockAddrIn.SIZE, INT_CONTROL);
      for (int i = 0; i < batch; i++) {
        msgs.setData(i, data.address() + offset(i), size);
      }
    }

    /**
     * Blocks until at least one datagram arrives or the receive timeout passes; returns how many
     * arrived (0 on timeout), or -1 once the port is closed.
     */
    public int receive() throws ErrnoException {
      if (closed) {
        return -1;
      }
      for (int i = 0; i < msgs.count(); i++) {
        msgs.readyToReceive(i);
      }
      int n = socket.receive(msgs, msgs.count());
      if (closed) {
        return -1; // after shutdown the kernel reports one empty message
      }
      if (n >= 0) {
        return n;
      }
      if (Errno.EAGAIN.is(-n) || Errno.EINTR.is(-n) || Errno.ECONNREFUSED.is(-n)) {
        return 0;
      }
      throw new ErrnoException("recvmmsg", -n);
    }

    /**
     * The size of the datagrams datagram i is made of: with {@link #enableGro()} the kernel may
     * deliver a run of same-size datagrams from one source as one (the last may be shorter);
     * otherwise, and for a single datagram, its length.
     */
    public int segmentSize(int i) {
      int seg = gro ? msgs.controlInt(i, UdpSocket.SOL_UDP, UdpSocket.UDP_GRO, 0, 0) : 0;
      return seg > 0 ? seg : length(i);
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
      return msgs.length(i);
    }

    /** True when datagram i was longer than the buffer (MSG_TRUNC in msg_flags). */
    public boolean truncated(int i) {
      return (msgs.flags(i) & UdpSocket.MSG_TRUNC) != 0;
    }

    public int sourceIp(int i) {
      return msgs.peerIp(i);
    }

    public int sourcePort(int i) {
      return msgs.peerPort(i);
    }

    public void close() {
      arena.close();
    }
  }
}
