package dev.gretun.core.os;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.gretun.core.wire.bpf.Bpf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.time.Duration;

/** Socket set-up the typed sockets share: cold paths, every call checked. */
public final class Sockets {
  /** {@code struct timeval}: the SO_RCVTIMEO value. */
  private static final StructLayout TIMEVAL =
      MemoryLayout.structLayout(JAVA_LONG.withName("tv_sec"), JAVA_LONG.withName("tv_usec"));

  private static final long TV_SEC = TIMEVAL.byteOffset(groupElement("tv_sec"));
  private static final long TV_USEC = TIMEVAL.byteOffset(groupElement("tv_usec"));

  /** {@code struct sock_fprog { unsigned short len; struct sock_filter *filter; }}. */
  private static final StructLayout SOCK_FPROG =
      MemoryLayout.structLayout(
          JAVA_SHORT.withName("len"), MemoryLayout.paddingLayout(6), ADDRESS.withName("filter"));

  private static final long FPROG_LEN = SOCK_FPROG.byteOffset(groupElement("len"));
  private static final long FPROG_FILTER = SOCK_FPROG.byteOffset(groupElement("filter"));

  /** Configures a fresh socket and wraps it; a failure closes it. */
  @FunctionalInterface
  interface Setup<T> {
    T apply(int fd) throws ErrnoException;
  }

  private Sockets() {}

  /** Opens a close-on-exec socket; throws when the platform forbids this kind (EPERM, ...). */
  public static int open(int domain, int type, int protocol) throws ErrnoException {
    return (int) Libc.check("socket", Libc.socket(domain, type | Libc.SOCK_CLOEXEC, protocol));
  }

  /** Opens a socket and hands it to {@code setup}; closes it again when that fails. */
  static <T> T open(int domain, int type, int protocol, Setup<T> setup) throws ErrnoException {
    int fd = open(domain, type, protocol);
    try {
      return setup.apply(fd);
    } catch (ErrnoException | RuntimeException e) {
      close(fd);
      throw e;
    }
  }

  /** Releases a descriptor. Errors are not reported: Linux releases it whatever close returns. */
  public static void close(int fd) {
    int ignored = Libc.close(fd);
  }

  static void setInt(int fd, int level, int name, int value) throws ErrnoException {
    int errno = trySetInt(fd, level, name, value);
    if (errno != 0) {
      throw new ErrnoException("setsockopt(" + level + ", " + name + ")", errno);
    }
  }

  /** Sets an int option; returns 0, or the errno when the kernel refused it. */
  static int trySetInt(int fd, int level, int name, int value) {
    try (Arena arena = Arena.ofConfined()) {
      return -Math.min(0, Libc.setsockopt(fd, level, name, arena.allocateFrom(JAVA_INT, value)));
    }
  }

  /** SO_RCVTIMEO: a blocked receive returns EAGAIN after {@code timeout}. */
  static void setReceiveTimeout(int fd, Duration timeout) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment tv = arena.allocate(TIMEVAL);
      tv.set(JAVA_LONG, TV_SEC, timeout.toSeconds());
      tv.set(JAVA_LONG, TV_USEC, timeout.toNanosPart() / 1000L);
      Libc.check(
          "setsockopt(SO_RCVTIMEO)", Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv));
    }
  }

  /** SO_ATTACH_FILTER: the kernel copies the classic BPF program. */
  static void attachFilter(int fd, Bpf program) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment insns = arena.allocateFrom(JAVA_BYTE, program.encode());
      MemorySegment prog = arena.allocate(SOCK_FPROG);
      prog.set(JAVA_SHORT, FPROG_LEN, (short) program.length());
      prog.set(ADDRESS, FPROG_FILTER, insns);
      Libc.check(
          "setsockopt(SO_ATTACH_FILTER)",
          Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_ATTACH_FILTER, prog));
    }
  }

  static void bind(int fd, MemorySegment addr) throws ErrnoException {
    Libc.check("bind", Libc.bind(fd, addr));
  }

  /** getsockname(2) into {@code addr}. */
  static void localAddress(int fd, MemorySegment addr) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment len = arena.allocateFrom(JAVA_INT, (int) addr.byteSize());
      Libc.check("getsockname", Libc.getsockname(fd, addr, len));
    }
  }
}
