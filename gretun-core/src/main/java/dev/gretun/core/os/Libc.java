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
 * Thin FFM bindings to the C library's socket calls, with errno captured by the linker ({@code
 * Linker.Option.captureCallState("errno")}) and failures raised as {@link SysException}.
 *
 * <p>Every call takes its arguments as plain ints and {@link MemorySegment}s; callers own the
 * memory. To bind another libc function on the same footing (e.g. {@code ioctl} for TUN, or {@code
 * setns}), use {@link #downcall} and {@link #check}: the handle's first argument is a call-state
 * segment from {@link #newCallState}, read back with {@link #errno}. Hot paths should allocate that
 * segment once and reuse it.
 *
 * <p>Constants are the Linux x86_64/aarch64 values ({@code bits/socket.h}, {@code
 * asm-generic/socket.h}, {@code linux/netlink.h}).
 */
public final class Libc {
  public static final int AF_UNSPEC = 0;
  public static final int AF_INET = 2;
  public static final int AF_NETLINK = 16;
  public static final int AF_PACKET = 17;
  public static final int AF_INET6 = 10;
  public static final int SOCK_DGRAM = 2;
  public static final int SOCK_RAW = 3;
  public static final int SOCK_CLOEXEC = 0x80000;
  public static final int SOL_SOCKET = 1;
  public static final int SO_SNDBUF = 7;
  public static final int SO_RCVBUF = 8;
  public static final int SO_RCVTIMEO = 20;
  public static final int SOL_NETLINK = 270;
  public static final int MSG_PEEK = 0x2;
  public static final int MSG_TRUNC = 0x20;
  public static final int MSG_DONTWAIT = 0x40;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = CALL_STATE.varHandle(PathElement.groupElement("errno"));

  private static final MethodHandle SOCKET =
      downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle BIND =
      downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle SENDTO =
      downcall(
          "sendto",
          FunctionDescriptor.of(
              JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle RECVFROM =
      downcall(
          "recvfrom",
          FunctionDescriptor.of(
              JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
  private static final MethodHandle RECVMSG =
      downcall("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle SETSOCKOPT =
      downcall(
          "setsockopt",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle GETSOCKOPT =
      downcall(
          "getsockopt",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
  private static final MethodHandle GETSOCKNAME =
      downcall("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
  private static final MethodHandle CLOSE =
      downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

  private Libc() {}

  /** A downcall handle for libc function {@code name} whose first argument is the call state. */
  public static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
    MemorySegment symbol =
        LINKER
            .defaultLookup()
            .find(name)
            .orElseThrow(() -> new IllegalStateException("libc has no " + name));
    return LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"));
  }

  /** A call-state segment to pass as the first argument of a {@link #downcall} handle. */
  public static MemorySegment newCallState(Arena arena) {
    return arena.allocate(CALL_STATE);
  }

  /** The errno the last call made with {@code state} left behind. */
  public static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  /**
   * Returns {@code result}, or throws {@link SysException} for {@code call} when it is negative.
   */
  public static long check(String call, long result, MemorySegment state) {
    if (result < 0) {
      throw new SysException(call, errno(state));
    }
    return result;
  }

  public static int socket(int domain, int type, int protocol) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment st = newCallState(arena);
      return (int) check("socket", (int) SOCKET.invokeExact(st, domain, type, protocol), st);
    } catch (SysException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static void bind(int fd, MemorySegment addr) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment st = newCallState(arena);
      check("bind", (int) BIND.invokeExact(st, fd, addr, (int) addr.byteSize()), st);
    } catch (SysException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** sendto(2), retried on EINTR; {@code addr} may be {@link MemorySegment#NULL}. */
  public static long sendto(int fd, MemorySegment buf, long len, int flags, MemorySegment addr) {
    int addrLen = addr.equals(MemorySegment.NULL) ? 0 : (int) addr.byteSize();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment st = newCallState(arena);
      while (true) {
        long r = (long) SENDTO.invokeExact(st, fd, buf, len, flags, addr, addrLen);
        if (r >= 0 || errno(st) != Errno.EINTR.value()) {
          return check("sendto", r, st);
        }
      }
    } catch (SysException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * recvfrom(2), retried on EINTR; {@code addr}/{@code addrLen} may be {@link MemorySegment#NULL}.
   * With {@link #MSG_TRUNC} the result is the real datagram length even when larger than {@code
   * len}.
   */
  public static long recvfrom(
      int fd, MemorySegment buf, long len, int flags, MemorySegment addr, MemorySegment addrLen) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment st = newCallState(arena);
      while (true) {
        long r = (long) RECVFROM.invokeExact(st, fd, buf, len, flags, addr, addrLen);
        if (r >= 0 || errno(st) != Errno.EINTR.value()) {
          return check("recvfrom", r, st);
        }
      }
    } catch (SysException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** recvmsg(2) on a caller-built {@code struct msghdr}, retried on EINTR. */
  public static long recvmsg(int fd, MemorySegment msghdr, int flags) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment st = newCallState(arena);
      while (true) {
        long r = (long) RECVMSG.invokeExact(st, fd, msghdr, flags);
        if (r >= 0 || errno(st) != Errno.EINTR.value()) {
          return check("recvmsg", r, st);
        }
      }
    } catch (SysException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static void setsockopt(int fd, int level, int name, MemorySegment value) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment st = newCallState(arena);
      check(
          "setsockopt",
          (int) SETSOCKOPT.invokeExact(st, fd, level, name, value, (int) value.byteSize()),
          st);
    } catch (SysException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** setsockopt with a 4-byte int value. */
  public static void setsockoptInt(int fd, int level, int name, int value) {
    try (Arena arena = Arena.ofConfined()) {
      setsockopt(fd, level, name, arena.allocateFrom(JAVA_INT, value));
    }
  }

  /** getsockopt into {@code value}; returns the length the kernel wrote. */
  public static int getsockopt(int fd, int level, int name, MemorySegment value) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment st = newCallState(arena);
      MemorySegment len = arena.allocateFrom(JAVA_INT, (int) value.byteSize());
      check("getsockopt", (int) GETSOCKOPT.invokeExact(st, fd, level, name, value, len), st);
      return len.get(JAVA_INT, 0);
    } catch (SysException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** getsockname into {@code addr}; returns the length the kernel wrote. */
  public static int getsockname(int fd, MemorySegment addr) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment st = newCallState(arena);
      MemorySegment len = arena.allocateFrom(JAVA_INT, (int) addr.byteSize());
      check("getsockname", (int) GETSOCKNAME.invokeExact(st, fd, addr, len), st);
      return len.get(JAVA_INT, 0);
    } catch (SysException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static void close(int fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment st = newCallState(arena);
      check("close", (int) CLOSE.invokeExact(st, fd), st);
    } catch (SysException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }
}
