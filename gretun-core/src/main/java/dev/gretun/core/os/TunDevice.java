package dev.gretun.core.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * {@link #close()} may be called from any thread: it wakes a reader blocked in {@link
 * #read(MemorySegment)} (which then throws {@link TunClosedException}), waits for calls in progress
 * to return, then closes the descriptors. Reads and writes allocate nothing.
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

  /** {@code struct ifreq} on 64-bit Linux: ifr_name[16], then a 24-byte union; ifr_flags first. */
  static final int IFREQ_SIZE = 40;

  static final int IFR_FLAGS_OFFSET = 16;

  /** {@code struct pollfd { int fd; short events; short revents; }}: 8 bytes. */
  private static final int POLLFD_SIZE = 8;

  private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final String name;
  private final int fd;
  private final int wakeFd;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment readErrno;
  private final MemorySegment writeErrno;
  private final MemorySegment pollFds;
  private final AtomicInteger callsInProgress = new AtomicInteger();
  private final boolean vnetHeader;
  private volatile boolean closed;

  private TunDevice(String name, int fd, int wakeFd, boolean vnetHeader) {
    this.name = name;
    this.fd = fd;
    this.wakeFd = wakeFd;
    this.vnetHeader = vnetHeader;
    this.readErrno = TunLibc.newErrnoSegment(arena);
    this.writeErrno = TunLibc.newErrnoSegment(arena);
    this.pollFds = arena.allocate(2 * POLLFD_SIZE, 8);
    pollFds.set(JAVA_INT, 0, fd);
    pollFds.set(JAVA_SHORT, 4, TunLibc.POLLIN);
    pollFds.set(JAVA_INT, POLLFD_SIZE, wakeFd);
    pollFds.set(JAVA_SHORT, POLLFD_SIZE + 4, TunLibc.POLLIN);
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
      MemorySegment errno = TunLibc.newErrnoSegment(call);
      int fd =
          (int)
              TunLibc.OPEN.invokeExact(
                  errno,
                  call.allocateFrom("/dev/net/tun"),
                  TunLibc.O_RDWR | TunLibc.O_NONBLOCK | TunLibc.O_CLOEXEC);
      if (fd < 0) {
        throw new ErrnoException("open(/dev/net/tun)", TunLibc.errno(errno));
      }
      try {
        MemorySegment ifreq = call.allocate(IFREQ_SIZE);
        MemorySegment.copy(nameBytes, 0, ifreq, JAVA_BYTE, 0, nameBytes.length);
        short flags = (short) (IFF_TUN | IFF_NO_PI | (vnetHeader ? IFF_VNET_HDR : 0));
        ifreq.set(JAVA_SHORT, IFR_FLAGS_OFFSET, flags);
        if ((int) TunLibc.IOCTL.invokeExact(errno, fd, TUNSETIFF, ifreq) < 0) {
          throw new ErrnoException("ioctl(" + name + ", TUNSETIFF)", TunLibc.errno(errno));
        }
        if (vnetHeader
            && (int) TunLibc.IOCTL_LONG.invokeExact(errno, fd, TUNSETOFFLOAD, OFFLOAD_CSUM_TSO4)
                < 0) {
          throw new ErrnoException("ioctl(" + name + ", TUNSETOFFLOAD)", TunLibc.errno(errno));
        }
        String actual = ifreq.getString(0, StandardCharsets.US_ASCII);
        int wakeFd =
            (int) TunLibc.EVENTFD.invokeExact(errno, 0, TunLibc.EFD_NONBLOCK | TunLibc.EFD_CLOEXEC);
        if (wakeFd < 0) {
          throw new ErrnoException("eventfd", TunLibc.errno(errno));
        }
        return new TunDevice(actual, fd, wakeFd, vnetHeader);
      } catch (IOException | RuntimeException | Error e) {
        closeQuietly(fd);
        throw e;
      }
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("foreign call failed", t);
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
   * Native {@code dst} only; nothing is allocated (the data plane's hot loop).
   *
   * @throws TunClosedException when the device is or gets closed
   */
  public int read(MemorySegment dst, long off, int max) throws IOException {
    while (true) {
      int n = tryRead(dst, off, max);
      if (n >= 0) {
        return n;
      }
      enter();
      try {
        awaitReadable();
      } catch (IOException | RuntimeException | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new IllegalStateException("foreign call failed", t);
      } finally {
        exit();
      }
    }
  }

  /**
   * Copies one queued packet to {@code dst[off..off+max)} and returns its length, or -1 at once
   * when none is queued. Native {@code dst} only; allocates nothing.
   *
   * @throws TunClosedException when the device is closed
   */
  public int tryRead(MemorySegment dst, long off, int max) throws IOException {
    long address = nativeAddress(dst, off, max);
    enter();
    try {
      while (true) {
        long n = (long) TunLibc.READ_RAW.invokeExact(readErrno, fd, address, (long) max);
        if (n >= 0) {
          return (int) n;
        }
        int errno = TunLibc.errno(readErrno);
        if (errno == TunLibc.EAGAIN) {
          return -1;
        }
        if (errno != TunLibc.EINTR) {
          throw new ErrnoException("read(" + name + ")", errno);
        }
      }
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("foreign call failed", t);
    } finally {
      exit();
    }
  }

  /** Writes {@code src[off..off+len)} as one packet. Native {@code src} only; allocates nothing. */
  public void write(MemorySegment src, long off, int len) throws IOException {
    long address = nativeAddress(src, off, len);
    enter();
    try {
      while (true) {
        long n = (long) TunLibc.WRITE_RAW.invokeExact(writeErrno, fd, address, (long) len);
        if (n >= 0) {
          return;
        }
        int errno = TunLibc.errno(writeErrno);
        if (errno != TunLibc.EINTR) {
          throw new ErrnoException("write(" + name + ")", errno);
        }
      }
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("foreign call failed", t);
    } finally {
      exit();
    }
  }

  /**
   * Blocks until one IP packet arrives and copies it into {@code dst} from offset 0; returns its
   * length. A packet longer than {@code dst} is truncated by the kernel, so size it to the MTU.
   *
   * @throws TunClosedException when the device is or gets closed
   */
  public int read(MemorySegment dst) throws IOException {
    enter();
    try {
      while (true) {
        long n = (long) TunLibc.READ.invokeExact(readErrno, fd, dst, dst.byteSize());
        if (n >= 0) {
          return (int) n;
        }
        int errno = TunLibc.errno(readErrno);
        if (errno == TunLibc.EINTR) {
          continue;
        }
        if (errno != TunLibc.EAGAIN) {
          throw new ErrnoException("read(" + name + ")", errno);
        }
        awaitReadable();
      }
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("foreign call failed", t);
    } finally {
      exit();
    }
  }

  /**
   * Like {@link #read(MemorySegment)} into a direct buffer's position..limit; advances position.
   */
  public int read(ByteBuffer dst) throws IOException {
    int n = read(MemorySegment.ofBuffer(requireDirect(dst)));
    dst.position(dst.position() + n);
    return n;
  }

  /** Writes one IP packet: all of {@code packet}. */
  public void write(MemorySegment packet) throws IOException {
    enter();
    try {
      while (true) {
        long n = (long) TunLibc.WRITE.invokeExact(writeErrno, fd, packet, packet.byteSize());
        if (n >= 0) {
          return; // TUN writes are whole packets
        }
        int errno = TunLibc.errno(writeErrno);
        if (errno != TunLibc.EINTR) {
          throw new ErrnoException("write(" + name + ")", errno);
        }
      }
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("foreign call failed", t);
    } finally {
      exit();
    }
  }

  /** Writes a direct buffer's position..limit as one packet; advances position to limit. */
  public void write(ByteBuffer packet) throws IOException {
    write(MemorySegment.ofBuffer(requireDirect(packet)));
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
    closeQuietly(wakeFd);
    int rc = closeQuietly(fd);
    arena.close();
    if (rc != 0) {
      throw new ErrnoException("close(" + name + ")", rc);
    }
  }

  private void awaitReadable() throws Throwable {
    while (true) {
      if (closed) {
        throw new TunClosedException(name);
      }
      int r = (int) TunLibc.POLL.invokeExact(readErrno, pollFds, 2L, -1);
      if (r < 0) {
        int errno = TunLibc.errno(readErrno);
        if (errno == TunLibc.EINTR) {
          continue;
        }
        throw new ErrnoException("poll(" + name + ")", errno);
      }
      if (closed || pollFds.get(JAVA_SHORT, POLLFD_SIZE + 6) != 0) {
        throw new TunClosedException(name);
      }
      if (pollFds.get(JAVA_SHORT, 6) != 0) {
        return;
      }
    }
  }

  private void wakeReader() throws IOException {
    try (Arena call = Arena.ofConfined()) {
      MemorySegment errno = TunLibc.newErrnoSegment(call);
      MemorySegment one = call.allocate(JAVA_LONG);
      one.set(JAVA_LONG, 0, 1L);
      long n = (long) TunLibc.WRITE.invokeExact(errno, wakeFd, one, 8L);
      if (n != 8) {
        throw new ErrnoException("write(eventfd)", TunLibc.errno(errno));
      }
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("foreign call failed", t);
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

  /** Closes a descriptor; returns 0 or the errno. */
  private static int closeQuietly(int fd) {
    try (Arena call = Arena.ofConfined()) {
      MemorySegment errno = TunLibc.newErrnoSegment(call);
      return (int) TunLibc.CLOSE.invokeExact(errno, fd) == 0 ? 0 : TunLibc.errno(errno);
    } catch (Throwable t) {
      throw new IllegalStateException("foreign call failed", t);
    }
  }

  private static long nativeAddress(MemorySegment seg, long off, long len) {
    if (!seg.isNative()) {
      throw new IllegalArgumentException("TUN I/O by address needs native memory");
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
