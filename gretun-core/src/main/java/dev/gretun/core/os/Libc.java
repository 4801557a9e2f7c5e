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

  private static final MethodHandle SOCKET =
      downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle BIND =
      downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle SETSOCKOPT =
      downcall(
          "setsockopt",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle GETSOCKNAME =
      downcall("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
  private static final MethodHandle SHUTDOWN =
      downcall("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle CLOSE =
      downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle SENDTO =
      downcall(
          "sendto",
          FunctionDescriptor.of(
              JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle RECV =
      downcall("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
  private static final MethodHandle RECVMSG =
      downcall("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle SENDMMSG =
      downcall(
          "sendmmsg", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT));
  private static final MethodHandle RECVMMSG =
      downcall(
          "recvmmsg",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
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

  private Libc() {}

  /** A handle for libc function {@code name}; its first argument is the call-state segment. */
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

  /** {@code r}, or -errno when the call failed. */
  private static long result(long r, MemorySegment state) {
    return r >= 0 ? r : -(int) ERRNO.get(state, 0L);
  }

  private static RuntimeException unexpected(Throwable t) {
    if (t instanceof Error e) {
      throw e;
    }
    return t instanceof RuntimeException r ? r : new IllegalStateException("foreign call", t);
  }

  static int socket(int domain, int type, int protocol) {
    MemorySegment st = STATE.get();
    try {
      long r;
      do {
        r = result((int) SOCKET.invokeExact(st, domain, type, protocol), st);
      } while (r == -EINTR);
      return (int) r;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int bind(int fd, MemorySegment addr) {
    MemorySegment st = STATE.get();
    try {
      long r;
      do {
        r = result((int) BIND.invokeExact(st, fd, addr, (int) addr.byteSize()), st);
      } while (r == -EINTR);
      return (int) r;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int setsockopt(int fd, int level, int name, MemorySegment value) {
    MemorySegment st = STATE.get();
    try {
      int len = (int) value.byteSize();
      long r;
      do {
        r = result((int) SETSOCKOPT.invokeExact(st, fd, level, name, value, len), st);
      } while (r == -EINTR);
      return (int) r;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** getsockname(2) into {@code addr}; {@code len} is an int holding its size, then the length. */
  static int getsockname(int fd, MemorySegment addr, MemorySegment len) {
    MemorySegment st = STATE.get();
    try {
      long r;
      do {
        r = result((int) GETSOCKNAME.invokeExact(st, fd, addr, len), st);
      } while (r == -EINTR);
      return (int) r;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int shutdown(int fd, int how) {
    MemorySegment st = STATE.get();
    try {
      return (int) result((int) SHUTDOWN.invokeExact(st, fd, how), st);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** close(2), never retried: Linux releases the descriptor whatever close returns. */
  static int close(int fd) {
    MemorySegment st = STATE.get();
    try {
      return (int) result((int) CLOSE.invokeExact(st, fd), st);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** sendto(2) of {@code len} bytes at native address {@code buf}; {@code addr} may be NULL. */
  static long sendto(int fd, long buf, long len, int flags, MemorySegment addr) {
    MemorySegment st = STATE.get();
    int addrLen = addr.equals(MemorySegment.NULL) ? 0 : (int) addr.byteSize();
    try {
      long r;
      do {
        r = result((long) SENDTO.invokeExact(st, fd, buf, len, flags, addr, addrLen), st);
      } while (r == -EINTR);
      return r;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** recv(2) into native address {@code buf}; with MSG_TRUNC the result is the real length. */
  static long recv(int fd, long buf, long len, int flags) {
    MemorySegment st = STATE.get();
    try {
      long r;
      do {
        r = result((long) RECV.invokeExact(st, fd, buf, len, flags), st);
      } while (r == -EINTR);
      return r;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static long recvmsg(int fd, MemorySegment msghdr, int flags) {
    MemorySegment st = STATE.get();
    try {
      long r;
      do {
        r = result((long) RECVMSG.invokeExact(st, fd, msghdr, flags), st);
      } while (r == -EINTR);
      return r;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** sendmmsg(2) of {@code vlen} {@code struct mmsghdr} starting at native address {@code vec}. */
  static int sendmmsg(int fd, long vec, int vlen, int flags) {
    MemorySegment st = STATE.get();
    try {
      long r;
      do {
        r = result((int) SENDMMSG.invokeExact(st, fd, vec, vlen, flags), st);
      } while (r == -EINTR);
      return (int) r;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** recvmmsg(2) without a timeout (the socket's SO_RCVTIMEO bounds the wait). */
  static int recvmmsg(int fd, MemorySegment vec, int vlen, int flags) {
    MemorySegment st = STATE.get();
    try {
      long r;
      do {
        r = result((int) RECVMMSG.invokeExact(st, fd, vec, vlen, flags, MemorySegment.NULL), st);
      } while (r == -EINTR);
      return (int) r;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static long read(int fd, long buf, long len) {
    MemorySegment st = STATE.get();
    try {
      long r;
      do {
        r = result((long) READ.invokeExact(st, fd, buf, len), st);
      } while (r == -EINTR);
      return r;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static long write(int fd, long buf, long len) {
    MemorySegment st = STATE.get();
    try {
      long r;
      do {
        r = result((long) WRITE.invokeExact(st, fd, buf, len), st);
      } while (r == -EINTR);
      return r;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** open(2) of a NUL-terminated path. */
  static int open(MemorySegment path, int flags) {
    MemorySegment st = STATE.get();
    try {
      long r;
      do {
        r = result((int) OPEN.invokeExact(st, path, flags), st);
      } while (r == -EINTR);
      return (int) r;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** ioctl(2) whose argument points to {@code arg}. */
  static int ioctl(int fd, long request, MemorySegment arg) {
    MemorySegment st = STATE.get();
    try {
      return (int) result((int) IOCTL_PTR.invokeExact(st, fd, request, arg), st);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** ioctl(2) that takes its argument by value. */
  static int ioctl(int fd, long request, long arg) {
    MemorySegment st = STATE.get();
    try {
      return (int) result((int) IOCTL_LONG.invokeExact(st, fd, request, arg), st);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int eventfd(int initval, int flags) {
    MemorySegment st = STATE.get();
    try {
      return (int) result((int) EVENTFD.invokeExact(st, initval, flags), st);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int poll(MemorySegment fds, long nfds, int timeoutMillis) {
    MemorySegment st = STATE.get();
    try {
      long r;
      do {
        r = result((int) POLL.invokeExact(st, fds, nfds, timeoutMillis), st);
      } while (r == -EINTR);
      return (int) r;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int setns(int fd, int nstype) {
    MemorySegment st = STATE.get();
    try {
      return (int) result((int) SETNS.invokeExact(st, fd, nstype), st);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }
}
