package dev.gretun.core.os;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.PathElement.sequenceElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A layer-3 TUN device ({@code IFF_TUN | IFF_NO_PI}: every read or write is one bare IP packet),
 * opened through {@code /dev/net/tun} with FFM. The device exists while this object is open (it is
 * not made persistent); addresses, routes and link state are set by the caller (netlink or {@code
 * ip}).
 *
 * <p>Threads: at most one thread reads and one thread writes at a time (the data plane's TUN reader
 * and its UDP receive loop); use platform threads, as a blocking foreign call pins a virtual one.
 * {@link #close()} may be called from any thread: it wakes a blocked reader (which then throws
 * {@link TunClosedException}), waits for calls in progress to return, then closes the descriptors.
 * Reads and writes take native memory and allocate nothing.
 */
public final class TunDevice implements AutoCloseable {
  /** {@code _IOW('T', 202, int)} from {@code <linux/if_tun.h>}. */
  static final long TUNSETIFF = 0x400454caL;

  /** {@code _IOW('T', 208, unsigned int)}: which offloads the reader can take. */
  static final long TUNSETOFFLOAD = 0x400454d0L;

  static final short IFF_TUN = 0x0001;
  static final short IFF_NO_PI = 0x1000;
  static final short IFF_VNET_HDR = 0x4000;

  /**
   * {@code TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN}: partial checksums and IPv4 TCP super-packets.
   */
  static final long OFFLOAD_CSUM_TSO4 = 0x01 | 0x02 | 0x08;

  /** {@code sizeof(struct virtio_net_hdr)}: the kernel's default vnet header size. */
  public static final int VNET_HDR_LEN = 10;

  static final int IFNAMSIZ = 16;

  /** {@code struct ifreq} on 64-bit Linux: the name, then a 24-byte union led by ifr_flags. */
  private static final StructLayout IFREQ =
      MemoryLayout.structLayout(
          MemoryLayout.sequenceLayout(IFNAMSIZ, JAVA_BYTE).withName("ifr_name"),
          JAVA_SHORT.withName("ifr_flags"),
          MemoryLayout.paddingLayout(22));

  private static final long IFR_NAME = IFREQ.byteOffset(groupElement("ifr_name"));
  private static final long IFR_FLAGS = IFREQ.byteOffset(groupElement("ifr_flags"));

  /** {@code struct pollfd[2]}: the TUN descriptor, then the eventfd that {@link #close} signals. */
  private static final SequenceLayout POLLFDS =
      MemoryLayout.sequenceLayout(
          2,
          MemoryLayout.structLayout(
              JAVA_INT.withName("fd"),
              JAVA_SHORT.withName("events"),
              JAVA_SHORT.withName("revents")));

  private static final long POLL_TUN_FD = pollFd(0, "fd");
  private static final long POLL_TUN_EVENTS = pollFd(0, "events");
  private static final long POLL_TUN_REVENTS = pollFd(0, "revents");
  private static final long POLL_WAKE_FD = pollFd(1, "fd");
  private static final long POLL_WAKE_EVENTS = pollFd(1, "events");
  private static final long POLL_WAKE_REVENTS = pollFd(1, "revents");

  private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final String name;
  private final int fd;
  private final int wakeFd;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment pollFds = arena.allocate(POLLFDS);
  private final AtomicInteger callsInProgress = new AtomicInteger();
  private final boolean vnetHeader;
  private volatile boolean closed;

  private TunDevice(String name, int fd, int wakeFd, boolean vnetHeader) {
    this.name = name;
    this.fd = fd;
    this.wakeFd = wakeFd;
    this.vnetHeader = vnetHeader;
    pollFds.set(JAVA_INT, POLL_TUN_FD, fd);
    pollFds.set(JAVA_SHORT, POLL_TUN_EVENTS, Libc.POLLIN);
    pollFds.set(JAVA_INT, POLL_WAKE_FD, wakeFd);
    pollFds.set(JAVA_SHORT, POLL_WAKE_EVENTS, Libc.POLLIN);
  }

  private static long pollFd(int i, String field) {
    return POLLFDS.byteOffset(sequenceElement(i), groupElement(field));
  }

  /**
   * Creates (or attaches to) the TUN device {@code name}; a name containing {@code %d} lets the
   * kernel pick the number. Needs CAP_NET_ADMIN.
   */
  public static TunDevice open(String name) throws IOException {
    return open(name, false);
  }

  /**
   * Like {@link #open(String)}, but with {@code IFF_VNET_HDR} and the offloads {@code TUN_F_CSUM |
   * TUN_F_TSO4 | TUN_F_TSO_ECN}: every read and write starts with a {@value #VNET_HDR_LEN}-byte
   * {@code struct virtio_net_hdr}, reads may be TCP super-packets of up to 64 KiB that the reader
   * segments itself, and may carry a partial checksum to complete (see {@code
   * dev.gretun.core.wire.ip.VnetHeader}). This is what makes a userspace tunnel fast: one read per
   * 64 KiB instead of one per MTU-sized packet.
   */
  public static TunDevice openWithOffloads(String name) throws IOException {
    return open(name, true);
  }

  private static TunDevice open(String name, boolean vnetHeader) throws IOException {
    byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
    if (nameBytes.length == 0 || nameBytes.length >= IFNAMSIZ) {
      throw new IllegalArgumentException("interface name must be 1-15 characters: " + name);
    }
    try (Arena call = Arena.ofConfined()) {
      int fd =
          (int)
              Libc.check(
                  "open(/dev/net/tun)",
                  Libc.open(
                      call.allocateFrom("/dev/net/tun"),
                      Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC));
      try {
        MemorySegment ifreq = call.allocate(IFREQ);
        MemorySegment.copy(nameBytes, 0, ifreq, JAVA_BYTE, IFR_NAME, nameBytes.length);
        short flags = (short) (IFF_TUN | IFF_NO_PI | (vnetHeader ? IFF_VNET_HDR : 0));
        ifreq.set(JAVA_SHORT, IFR_FLAGS, flags);
        Libc.check("ioctl(" + name + ", TUNSETIFF)", Libc.ioctl(fd, TUNSETIFF, ifreq));
        if (vnetHeader) {
          Libc.check(
              "ioctl(" + name + ", TUNSETOFFLOAD)",
              Libc.ioctl(fd, TUNSETOFFLOAD, OFFLOAD_CSUM_TSO4));
        }
        String actual = ifreq.getString(IFR_NAME, StandardCharsets.US_ASCII);
        int wakeFd =
            (int) Libc.check("eventfd", Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC));
        return new TunDevice(actual, fd, wakeFd, vnetHeader);
      } catch (IOException | RuntimeException e) {
        Libc.close(fd);
        throw e;
      }
    }
  }

  /** The interface name the kernel gave the device. */
  public String name() {
    return name;
  }

  /** True when every read and write starts with a virtio_net_hdr ({@link #openWithOffloads}). */
  public boolean vnetHeader() {
    return vnetHeader;
  }

  /**
   * Blocks until one packet arrives and copies it to {@code dst[off..off+max)}; returns its length.
   * A longer packet is truncated by the kernel, so size {@code max} to the MTU.
   *
   * @throws TunClosedException when the device is or gets closed
   */
  public int read(MemorySegment dst, long off, int max) throws IOException {
    int n;
    while ((n = tryRead(dst, off, max)) < 0) {
      awaitReadable();
    }
    return n;
  }

  /**
   * Copies one queued packet to {@code dst[off..off+max)} and returns its length, or -1 at once
   * when none is queued.
   *
   * @throws TunClosedException when the device is closed
   */
  public int tryRead(MemorySegment dst, long off, int max) throws IOException {
    long address = nativeAddress(dst, off, max);
    enter();
    try {
      long n = Libc.read(fd, address, max);
      if (n == -Errno.EAGAIN.value()) {
        return -1;
      }
      return checked("read", n);
    } finally {
      exit();
    }
  }

  /** Writes {@code src[off..off+len)} as one packet. */
  public void write(MemorySegment src, long off, int len) throws IOException {
    long address = nativeAddress(src, off, len);
    enter();
    try {
      checked("write", Libc.write(fd, address, len)); // TUN writes are whole packets
    } finally {
      exit();
    }
  }

  /** Like {@link #read(MemorySegment, long, int)} into a direct buffer; advances its position. */
  public int read(ByteBuffer dst) throws IOException {
    int n = read(MemorySegment.ofBuffer(requireDirect(dst)), 0, dst.remaining());
    dst.position(dst.position() + n);
    return n;
  }

  /** Writes a direct buffer's position..limit as one packet; advances position to limit. */
  public void write(ByteBuffer packet) throws IOException {
    write(MemorySegment.ofBuffer(requireDirect(packet)), 0, packet.remaining());
    packet.position(packet.limit());
  }

  public boolean isOpen() {
    return !closed;
  }

  @Override
  public void close() throws IOException {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    wakeReader();
    long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
    while (callsInProgress.get() > 0) {
      if (System.nanoTime() - deadline > 0) {
        // Closing now could hand the descriptor number to someone else under a running call.
        throw new IllegalStateException("TUN " + name + ": a read or write did not return in 5 s");
      }
      LockSupport.parkNanos(100_000);
    }
    Libc.close(wakeFd);
    int rc = Libc.close(fd);
    arena.close();
    checked("close", rc);
  }

  /** {@code r}, or {@link ErrnoException} for {@code call} on this device when it is -errno. */
  private int checked(String call, long r) throws ErrnoException {
    if (r < 0) {
      throw new ErrnoException(call + "(" + name + ")", (int) -r);
    }
    return (int) r;
  }

  /** Waits in poll(2) until the device is readable; throws once {@link #close} signalled. */
  private void awaitReadable() throws IOException {
    enter();
    try {
      while (true) {
        if (closed) {
          throw new TunClosedException(name);
        }
        checked("poll", Libc.poll(pollFds, 2L, -1));
        if (closed || pollFds.get(JAVA_SHORT, POLL_WAKE_REVENTS) != 0) {
          throw new TunClosedException(name);
        }
        if (pollFds.get(JAVA_SHORT, POLL_TUN_REVENTS) != 0) {
          return;
        }
      }
    } finally {
      exit();
    }
  }

  private void wakeReader() throws IOException {
    try (Arena call = Arena.ofConfined()) {
      MemorySegment one = call.allocateFrom(JAVA_LONG, 1L);
      Libc.check("write(eventfd)", Libc.write(wakeFd, one.address(), Long.BYTES));
    }
  }

  private void enter() throws TunClosedException {
    callsInProgress.incrementAndGet();
    if (closed) {
      callsInProgress.decrementAndGet();
      throw new TunClosedException(name);
    }
  }

  private void exit() {
    callsInProgress.decrementAndGet();
  }

  private static long nativeAddress(MemorySegment seg, long off, long len) {
    if (!seg.isNative()) {
      throw new IllegalArgumentException("TUN I/O needs native memory");
    }
    Objects.checkFromIndexSize(off, len, seg.byteSize());
    return seg.address() + off;
  }

  private static ByteBuffer requireDirect(ByteBuffer b) {
    if (!b.isDirect()) {
      throw new IllegalArgumentException("TUN I/O needs a direct ByteBuffer");
    }
    return b;
  }
}
