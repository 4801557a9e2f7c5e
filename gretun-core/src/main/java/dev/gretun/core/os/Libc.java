package dev.gretun.core.os;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;

/**
 * The one FFM binding to the C library: every call is the C library's {@code syscall(2)} with the
 * call's number ({@link SyscallNumbers}), through one downcall handle whose linker captures errno
 * into a call-state segment of the calling thread. Each method returns what the system call
 * returns, except that a failure returns {@code -errno} instead of -1; the calls that can block are
 * retried on EINTR. Hot paths test the sign and allocate nothing; everything else passes the result
 * through {@link #check}, which throws {@link ErrnoException}.
 *
 * <p>Why one handle: the JVM generates a stub (a dozen classes, ~7 ms at start-up) for every
 * distinct function descriptor, and an AOT cache cannot keep them; with a handle per libc function
 * {@code gretun list} spent a fifth of its run making the socket calls' stubs (docs/BENCH.md, "One
 * downcall handle"). {@code syscall} takes its arguments as {@code long}s: an int argument is
 * passed sign-extended (the kernel reads the low 32 bits), a pointer as its native address, and
 * every call passes all six (glibc's x86_64 {@code syscall} reads the sixth from the stack whatever
 * the call).
 *
 * <p>Buffers are passed as raw native addresses (a {@code long}), so the data planes' loops hand
 * over {@code base + offset} without making a {@link MemorySegment} slice per packet; structs are
 * passed as segments, which must be native and are kept reachable until the call returns. Constants
 * are the Linux x86_64/aarch64 values ({@code bits/socket.h}, {@code asm-generic/socket.h}, {@code
 * asm-generic/fcntl.h}).
 */
public final class Libc {
  public static final int AF_UNSPEC = 0;
  public static final int AF_INET = 2;
  public static final int AF_INET6 = 10;
  public static final int AF_NETLINK = 16;
  public static final int AF_PACKET = 17;
  public static final int SOCK_DGRAM = 2;
  public static final int SOCK_RAW = 3;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int SOL_SOCKET = 1;
  static final int SO_SNDBUF = 7;
  static final int SO_RCVBUF = 8;
  static final int SO_RCVTIMEO = 20;
  static final int SO_ATTACH_FILTER = 26;
  static final int SO_SNDBUFFORCE = 32;
  static final int SO_RCVBUFFORCE = 33;
  static final int IPPROTO_IP = 0;
  static final int IPPROTO_ICMP = 1;
  static final int IP_TTL = 2;
  static final int MSG_PEEK = 0x2;
  static final int MSG_TRUNC = 0x20;
  static final int MSG_WAITFORONE = 0x10000;
  static final int SHUT_RDWR = 2;
  static final int O_RDONLY = 0;
  static final int O_RDWR = 0x2;
  static final int O_NONBLOCK = 0x800;
  static final int O_CLOEXEC = 0x80000;
  static final int EFD_NONBLOCK = 0x800;
  static final int EFD_CLOEXEC = 0x80000;
  static final short POLLIN = 0x1;
  private static final int AT_FDCWD = -100;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = CALL_STATE.varHandle(PathElement.groupElement("errno"));
  private static final int EINTR = Errno.EINTR.value();
  private static final SyscallNumbers NR = SyscallNumbers.forArch(System.getProperty("os.arch"));

  /** {@code long syscall(long number, ...)} with six arguments after the number. */
  @SuppressWarnings("restricted") // native access is granted: Enable-Native-Access in the manifest
  private static final MethodHandle SYSCALL =
      LINKER.downcallHandle(
          LINKER.defaultLookup().findOrThrow("syscall"),
          FunctionDescriptor.of(
              JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
              JAVA_LONG),
          Linker.Option.captureCallState("errno"),
          Linker.Option.firstVariadicArg(1));

  /** One call-state segment per thread, allocated on its first call and reused ever after. */
  private static final ThreadLocal<MemorySegment> STATE =
      ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

  /** One {@code struct timespec} per thread that polls: ppoll's timeout. */
  private static final ThreadLocal<MemorySegment> TIMEOUT =
      ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(16, 8));

  private static final MemorySegment NULL = MemorySegment.NULL;

  private Libc() {}

  /**
   * Returns {@code result}, or throws {@link ErrnoException} for {@code call} when it is -errno.
   */
  static long check(String call, long result) throws ErrnoException {
    if (result < 0) {
      throw new ErrnoException(call, (int) -result);
    }
    return result;
  }

  private static RuntimeException unexpected(Throwable t) {
    if (t instanceof Error e) {
      throw e;
    }
    return t instanceof RuntimeException r ? r : new IllegalStateException("foreign call", t);
  }

  /** The native address of {@code segment} (0 for NULL); a heap segment has none. */
  private static long address(MemorySegment segment) {
    if (!segment.isNative()) {
      throw new IllegalArgumentException("a system call needs native memory, not " + segment);
    }
    return segment.address();
  }

  /** System call {@code nr} once with this thread's call state: its result, or -errno. */
  private static long once(long nr, long a, long b, long c, long d, long e, long f) {
    MemorySegment st = STATE.get();
    try {
      long r = (long) SYSCALL.invokeExact(st, nr, a, b, c, d, e, f);
      return r >= 0 ? r : -(int) ERRNO.get(st, 0L);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** {@link #once}, again while it is interrupted by a signal (EINTR). */
  private static long retried(long nr, long a, long b, long c, long d, long e, long f) {
    long r;
    do {
      r = once(nr, a, b, c, d, e, f);
    } while (r == -EINTR);
    return r;
  }

  static int socket(int domain, int type, int protocol) {
    return (int) retried(NR.socket(), domain, type, protocol, 0, 0, 0);
  }

  static int bind(int fd, MemorySegment addr) {
    try {
      return (int) retried(NR.bind(), fd, address(addr), addr.byteSize(), 0, 0, 0);
    } finally {
      Reference.reachabilityFence(addr);
    }
  }

  static int connect(int fd, MemorySegment addr) {
    try {
      return (int) retried(NR.connect(), fd, address(addr), addr.byteSize(), 0, 0, 0);
    } finally {
      Reference.reachabilityFence(addr);
    }
  }

  static int setsockopt(int fd, int level, int name, MemorySegment value) {
    try {
      return (int) retried(NR.setsockopt(), fd, level, name, address(value), value.byteSize(), 0);
    } finally {
      Reference.reachabilityFence(value);
    }
  }

  /** getsockname(2) into {@code addr}; {@code len} is an int holding its size, then the length. */
  static int getsockname(int fd, MemorySegment addr, MemorySegment len) {
    try {
      return (int) retried(NR.getsockname(), fd, address(addr), address(len), 0, 0, 0);
    } finally {
      Reference.reachabilityFence(addr);
      Reference.reachabilityFence(len);
    }
  }

  static int shutdown(int fd, int how) {
    return (int) once(NR.shutdown(), fd, how, 0, 0, 0, 0);
  }

  /** close(2), never retried: Linux releases the descriptor whatever close returns. */
  static int close(int fd) {
    return (int) once(NR.close(), fd, 0, 0, 0, 0, 0);
  }

  /** sendto(2) of {@code len} bytes at native address {@code buf}; {@code addr} may be NULL. */
  static long sendto(int fd, long buf, long len, int flags, MemorySegment addr) {
    try {
      long addrLen = addr.equals(NULL) ? 0 : addr.byteSize();
      return retried(NR.sendto(), fd, buf, len, flags, address(addr), addrLen);
    } finally {
      Reference.reachabilityFence(addr);
    }
  }

  /** recv(2) into native address {@code buf}; with MSG_TRUNC the result is the real length. */
  static long recv(int fd, long buf, long len, int flags) {
    return retried(NR.recvfrom(), fd, buf, len, flags, 0, 0);
  }

  static long recvmsg(int fd, MemorySegment msghdr, int flags) {
    try {
      return retried(NR.recvmsg(), fd, address(msghdr), flags, 0, 0, 0);
    } finally {
      Reference.reachabilityFence(msghdr);
    }
  }

  /** sendmmsg(2) of {@code vlen} {@code struct mmsghdr} starting at native address {@code vec}. */
  static int sendmmsg(int fd, long vec, int vlen, int flags) {
    return (int) retried(NR.sendmmsg(), fd, vec, vlen, flags, 0, 0);
  }

  /** recvmmsg(2) without a timeout (the socket's SO_RCVTIMEO bounds the wait). */
  static int recvmmsg(int fd, MemorySegment vec, int vlen, int flags) {
    try {
      return (int) retried(NR.recvmmsg(), fd, address(vec), vlen, flags, 0, 0);
    } finally {
      Reference.reachabilityFence(vec);
    }
  }

  static long read(int fd, long buf, long len) {
    return retried(NR.read(), fd, buf, len, 0, 0, 0);
  }

  static long write(int fd, long buf, long len) {
    return retried(NR.write(), fd, buf, len, 0, 0, 0);
  }

  /** open(2) of a NUL-terminated path (openat relative to the working directory). */
  static int open(MemorySegment path, int flags) {
    try {
      return (int) retried(NR.openat(), AT_FDCWD, address(path), flags, 0, 0, 0);
    } finally {
      Reference.reachabilityFence(path);
    }
  }

  /** ioctl(2) whose argument points to {@code arg}. */
  static int ioctl(int fd, long request, MemorySegment arg) {
    try {
      return (int) once(NR.ioctl(), fd, request, address(arg), 0, 0, 0);
    } finally {
      Reference.reachabilityFence(arg);
    }
  }

  /** ioctl(2) that takes its argument by value. */
  static int ioctl(int fd, long request, long arg) {
    return (int) once(NR.ioctl(), fd, request, arg, 0, 0, 0);
  }

  static int eventfd(int initval, int flags) {
    return (int) once(NR.eventfd2(), initval, flags, 0, 0, 0, 0);
  }

  /**
   * poll(2) as ppoll(2) without a signal mask; a negative timeout waits for ever. After EINTR the
   * retry waits for what is left of the timeout (ppoll writes it back).
   */
  static int poll(MemorySegment fds, long nfds, int timeoutMillis) {
    long timeout = 0;
    if (timeoutMillis >= 0) {
      MemorySegment ts = TIMEOUT.get();
      ts.set(JAVA_LONG, 0, timeoutMillis / 1000);
      ts.set(JAVA_LONG, 8, (timeoutMillis % 1000) * 1_000_000L);
      timeout = ts.address();
    }
    try {
      return (int) retried(NR.ppoll(), address(fds), nfds, timeout, 0, 0, 0);
    } finally {
      Reference.reachabilityFence(fds);
    }
  }

  static int setns(int fd, int nstype) {
    return (int) once(NR.setns(), fd, nstype, 0, 0, 0, 0);
  }
}
