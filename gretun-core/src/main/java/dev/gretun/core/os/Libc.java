package dev.gretun.core.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one FFM binding to the C library. Every function is bound the same way ({@link #downcall}:
 * the linker captures errno into a call-state segment of the calling thread) and returns what libc
 * returns, except that a failure returns {@code -errno} instead of -1; the calls that can block are
 * retried on EINTR. Hot paths test the sign and allocate nothing; everything else passes the result
 * through {@link #check}, which throws {@link ErrnoException}.
 *
 * <p>Buffers are passed as raw native addresses (a {@code long}), so the data planes' loops hand
 * over {@code base + offset} without making a {@link MemorySegment} slice per packet; structs are
 * passed as segments. Constants are the Linux x86_64/aarch64 values ({@code bits/socket.h}, {@code
 * asm-generic/socket.h}, {@code asm-generic/fcntl.h}).
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

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = CALL_STATE.varHandle(PathElement.groupElement("errno"));
  private static final int EINTR = Errno.EINTR.value();

  /** One call-state segment per thread, allocated on its first call and reused ever after. */
  private static final ThreadLocal<MemorySegment> STATE =
      ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

  // The handles are made on first use, one group at a time (a handle costs milliseconds at
  // start-up, and most commands need only the socket calls); inside a group they stay static
  // final, so the JIT still treats them as constants.
  /** Sockets: what every netlink, UDP and raw socket needs. */
  private static final class Sock {
    private static final MethodHandle SOCKET =
        downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND =
        downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT =
        downcall("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT =
        downcall(
            "setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKNAME =
        downcall("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle CLOSE =
        downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SENDTO =
        downcall(
            "sendto",
            FunctionDescriptor.of(
                JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV =
        downcall(
            "recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
  }

  /** Socket calls that only the UDP sockets (shutdown) and packet sockets (recvmsg) make. */
  private static final class SockRare {
    private static final MethodHandle SHUTDOWN =
        downcall("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle RECVMSG =
        downcall("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  }

  /** The data planes' batched datagram calls. */
  private static final class Batch {
    private static final MethodHandle SENDMMSG =
        downcall(
            "sendmmsg", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT));
    private static final MethodHandle RECVMMSG =
        downcall(
            "recvmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
  }

  /** File descriptors: TUN, eventfd, poll, namespaces. */
  private static final class Io {
    private static final MethodHandle READ =
        downcall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle WRITE =
        downcall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle OPEN =
        downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    // int ioctl(int fd, unsigned long request, ...): the third argument is the first variadic one.
    private static final MethodHandle IOCTL_PTR =
        downcall(
            "ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_LONG =
        downcall(
            "ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle EVENTFD =
        downcall("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL =
        downcall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SETNS =
        downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  }

  private Libc() {}

  /** A handle for libc function {@code name}; its first argument is the call-state segment. */
  @SuppressWarnings("restricted") // native access is granted: Enable-Native-Access in the manifest
  private static MethodHandle downcall(
      String name, FunctionDescriptor descriptor, Linker.Option... options) {
    Linker.Option[] all = new Linker.Option[options.length + 1];
    all[0] = Linker.Option.captureCallState("errno");
    System.arraycopy(options, 0, all, 1, options.length);
    return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor, all);
  }

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

  /**
   * Every binding in one shape, so that one pair of methods ({@link #once}, {@link #retried}) makes
   * all the calls: {@code i} is the first int argument (usually the fd), {@code p} and {@code q}
   * pointer arguments, {@code a}..{@code c} the integer ones. The lambdas capture nothing, so each
   * is one shared instance and a call allocates nothing.
   */
  @FunctionalInterface
  private interface Call {
    long invoke(MemorySegment st, int i, MemorySegment p, MemorySegment q, long a, long b, long c)
        throws Throwable;
  }

  private static final MemorySegment NULL = MemorySegment.NULL;
  private static final Call SOCKET_CALL =
      (st, i, p, q, a, b, c) -> (int) Sock.SOCKET.invokeExact(st, i, (int) a, (int) b);
  private static final Call BIND_CALL =
      (st, i, p, q, a, b, c) -> (int) Sock.BIND.invokeExact(st, i, p, (int) p.byteSize());
  private static final Call CONNECT_CALL =
      (st, i, p, q, a, b, c) -> (int) Sock.CONNECT.invokeExact(st, i, p, (int) p.byteSize());
  private static final Call SETSOCKOPT_CALL =
      (st, i, p, q, a, b, c) ->
          (int) Sock.SETSOCKOPT.invokeExact(st, i, (int) a, (int) b, p, (int) p.byteSize());
  private static final Call GETSOCKNAME_CALL =
      (st, i, p, q, a, b, c) -> (int) Sock.GETSOCKNAME.invokeExact(st, i, p, q);
  private static final Call SHUTDOWN_CALL =
      (st, i, p, q, a, b, c) -> (int) SockRare.SHUTDOWN.invokeExact(st, i, (int) a);
  private static final Call CLOSE_CALL =
      (st, i, p, q, a, b, c) -> (int) Sock.CLOSE.invokeExact(st, i);
  private static final Call SENDTO_CALL =
      (st, i, p, q, a, b, c) ->
          (long)
              Sock.SENDTO.invokeExact(
                  st, i, a, b, (int) c, p, p.equals(NULL) ? 0 : (int) p.byteSize());
  private static final Call RECV_CALL =
      (st, i, p, q, a, b, c) -> (long) Sock.RECV.invokeExact(st, i, a, b, (int) c);
  private static final Call RECVMSG_CALL =
      (st, i, p, q, a, b, c) -> (long) SockRare.RECVMSG.invokeExact(st, i, p, (int) a);
  private static final Call SENDMMSG_CALL =
      (st, i, p, q, a, b, c) -> (int) Batch.SENDMMSG.invokeExact(st, i, a, (int) b, (int) c);
  private static final Call RECVMMSG_CALL =
      (st, i, p, q, a, b, c) -> (int) Batch.RECVMMSG.invokeExact(st, i, p, (int) a, (int) b, NULL);
  private static final Call READ_CALL =
      (st, i, p, q, a, b, c) -> (long) Io.READ.invokeExact(st, i, a, b);
  private static final Call WRITE_CALL =
      (st, i, p, q, a, b, c) -> (long) Io.WRITE.invokeExact(st, i, a, b);
  private static final Call OPEN_CALL =
      (st, i, p, q, a, b, c) -> (int) Io.OPEN.invokeExact(st, p, i);
  private static final Call IOCTL_PTR_CALL =
      (st, i, p, q, a, b, c) -> (int) Io.IOCTL_PTR.invokeExact(st, i, a, p);
  private static final Call IOCTL_LONG_CALL =
      (st, i, p, q, a, b, c) -> (int) Io.IOCTL_LONG.invokeExact(st, i, a, b);
  private static final Call EVENTFD_CALL =
      (st, i, p, q, a, b, c) -> (int) Io.EVENTFD.invokeExact(st, i, (int) a);
  private static final Call POLL_CALL =
      (st, i, p, q, a, b, c) -> (int) Io.POLL.invokeExact(st, p, a, i);
  private static final Call SETNS_CALL =
      (st, i, p, q, a, b, c) -> (int) Io.SETNS.invokeExact(st, i, (int) a);

  /** Makes {@code call} once with this thread's call state: its result, or -errno. */
  private static long once(
      Call call, int i, MemorySegment p, MemorySegment q, long a, long b, long c) {
    MemorySegment st = STATE.get();
    try {
      long r = call.invoke(st, i, p, q, a, b, c);
      return r >= 0 ? r : -(int) ERRNO.get(st, 0L);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** {@link #once}, again while it is interrupted by a signal (EINTR). */
  private static long retried(
      Call call, int i, MemorySegment p, MemorySegment q, long a, long b, long c) {
    long r;
    do {
      r = once(call, i, p, q, a, b, c);
    } while (r == -EINTR);
    return r;
  }

  static int socket(int domain, int type, int protocol) {
    return (int) retried(SOCKET_CALL, domain, NULL, NULL, type, protocol, 0);
  }

  static int bind(int fd, MemorySegment addr) {
    return (int) retried(BIND_CALL, fd, addr, NULL, 0, 0, 0);
  }

  static int connect(int fd, MemorySegment addr) {
    return (int) retried(CONNECT_CALL, fd, addr, NULL, 0, 0, 0);
  }

  static int setsockopt(int fd, int level, int name, MemorySegment value) {
    return (int) retried(SETSOCKOPT_CALL, fd, value, NULL, level, name, 0);
  }

  /** getsockname(2) into {@code addr}; {@code len} is an int holding its size, then the length. */
  static int getsockname(int fd, MemorySegment addr, MemorySegment len) {
    return (int) retried(GETSOCKNAME_CALL, fd, addr, len, 0, 0, 0);
  }

  static int shutdown(int fd, int how) {
    return (int) once(SHUTDOWN_CALL, fd, NULL, NULL, how, 0, 0);
  }

  /** close(2), never retried: Linux releases the descriptor whatever close returns. */
  static int close(int fd) {
    return (int) once(CLOSE_CALL, fd, NULL, NULL, 0, 0, 0);
  }

  /** sendto(2) of {@code len} bytes at native address {@code buf}; {@code addr} may be NULL. */
  static long sendto(int fd, long buf, long len, int flags, MemorySegment addr) {
    return retried(SENDTO_CALL, fd, addr, NULL, buf, len, flags);
  }

  /** recv(2) into native address {@code buf}; with MSG_TRUNC the result is the real length. */
  static long recv(int fd, long buf, long len, int flags) {
    return retried(RECV_CALL, fd, NULL, NULL, buf, len, flags);
  }

  static long recvmsg(int fd, MemorySegment msghdr, int flags) {
    return retried(RECVMSG_CALL, fd, msghdr, NULL, flags, 0, 0);
  }

  /** sendmmsg(2) of {@code vlen} {@code struct mmsghdr} starting at native address {@code vec}. */
  static int sendmmsg(int fd, long vec, int vlen, int flags) {
    return (int) retried(SENDMMSG_CALL, fd, NULL, NULL, vec, vlen, flags);
  }

  /** recvmmsg(2) without a timeout (the socket's SO_RCVTIMEO bounds the wait). */
  static int recvmmsg(int fd, MemorySegment vec, int vlen, int flags) {
    return (int) retried(RECVMMSG_CALL, fd, vec, NULL, vlen, flags, 0);
  }

  static long read(int fd, long buf, long len) {
    return retried(READ_CALL, fd, NULL, NULL, buf, len, 0);
  }

  static long write(int fd, long buf, long len) {
    return retried(WRITE_CALL, fd, NULL, NULL, buf, len, 0);
  }

  /** open(2) of a NUL-terminated path. */
  static int open(MemorySegment path, int flags) {
    return (int) retried(OPEN_CALL, flags, path, NULL, 0, 0, 0);
  }

  /** ioctl(2) whose argument points to {@code arg}. */
  static int ioctl(int fd, long request, MemorySegment arg) {
    return (int) once(IOCTL_PTR_CALL, fd, arg, NULL, request, 0, 0);
  }

  /** ioctl(2) that takes its argument by value. */
  static int ioctl(int fd, long request, long arg) {
    return (int) once(IOCTL_LONG_CALL, fd, NULL, NULL, request, arg, 0);
  }

  static int eventfd(int initval, int flags) {
    return (int) once(EVENTFD_CALL, initval, NULL, NULL, flags, 0, 0);
  }

  static int poll(MemorySegment fds, long nfds, int timeoutMillis) {
    return (int) retried(POLL_CALL, timeoutMillis, fds, NULL, nfds, 0, 0);
  }

  static int setns(int fd, int nstype) {
    return (int) once(SETNS_CALL, fd, NULL, NULL, nstype, 0, 0);
  }
}
