package dev.gretun.core.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Each of {@link Libc}'s calls, made for real on loopback UDP sockets, files and an eventfd: the
 * one {@code syscall(2)} handle must pass the arguments where each system call expects them and
 * turn a failure into -errno.
 */
class LibcTest {
  private static final int LOOPBACK = 0x7f000001;

  @Test
  void theSyscallTableMatchesTheArchitecture() {
    assertSame(SyscallNumbers.X86_64, SyscallNumbers.forArch("amd64"));
    assertSame(SyscallNumbers.AARCH64, SyscallNumbers.forArch("aarch64"));
    var e =
        assertThrows(UnsupportedOperationException.class, () -> SyscallNumbers.forArch("s390x"));
    assertTrue(e.getMessage().contains("os.arch=s390x"), e.getMessage());
  }

  @Test
  void udpRoundTripOnLoopback() {
    try (Arena arena = Arena.ofConfined()) {
      int rx = udpSocketOnLoopback(arena);
      int tx = udpSocketOnLoopback(arena);
      try {
        MemorySegment rxAddr = boundAddress(arena, rx);
        byte[] payload = "through one syscall handle".getBytes(StandardCharsets.US_ASCII);
        MemorySegment buf = arena.allocate(64);
        MemorySegment.copy(payload, 0, buf, ValueLayout.JAVA_BYTE, 0, payload.length);
        assertEquals(payload.length, Libc.sendto(tx, buf.address(), payload.length, 0, rxAddr));

        MemorySegment fds = arena.allocate(8, 4); // struct pollfd
        fds.set(JAVA_INT, 0, rx);
        fds.set(JAVA_SHORT, 4, Libc.POLLIN);
        assertEquals(1, Libc.poll(fds, 1, 2000));
        assertEquals(Libc.POLLIN, fds.get(JAVA_SHORT, 6));

        MemorySegment in = arena.allocate(64);
        // MSG_TRUNC|MSG_PEEK: the real length, the datagram left in place
        assertEquals(
            payload.length, Libc.recv(rx, in.address(), 4, Libc.MSG_TRUNC | Libc.MSG_PEEK));
        assertEquals(payload.length, Libc.recv(rx, in.address(), in.byteSize(), 0));
        assertArrayEquals(payload, in.asSlice(0, payload.length).toArray(ValueLayout.JAVA_BYTE));

        assertEquals(0, Libc.poll(fds, 1, 30), "nothing more to read: poll times out");
      } finally {
        Libc.close(tx);
        Libc.close(rx);
      }
    }
  }

  @Test
  void failuresAreNegativeErrno() {
    try (Arena arena = Arena.ofConfined()) {
      assertEquals(-Errno.EBADF.value(), Libc.close(-1));
      assertEquals(-Errno.EBADF.value(), Libc.read(-1, arena.allocate(8).address(), 8));
      int fd = Libc.open(arena.allocateFrom("/nonexistent/gretun-libc-test"), Libc.O_RDONLY);
      assertEquals(-Errno.ENOENT.value(), fd);
      int udp = udpSocketOnLoopback(arena);
      try {
        MemorySegment taken = boundAddress(arena, udp);
        int second = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        assertTrue(second >= 0);
        assertEquals(-Errno.EADDRINUSE.value(), Libc.bind(second, taken));
        Libc.close(second);
      } finally {
        Libc.close(udp);
      }
      var e = assertThrows(ErrnoException.class, () -> Libc.check("close(-1)", Libc.close(-1)));
      assertTrue(e.getMessage().contains("close(-1)"), e.getMessage());
    }
  }

  @Test
  void fileAndEventfdCalls() {
    try (Arena arena = Arena.ofConfined()) {
      int fd = Libc.open(arena.allocateFrom("/proc/self/stat"), Libc.O_RDONLY | Libc.O_CLOEXEC);
      assertTrue(fd >= 0, "open: " + fd);
      MemorySegment buf = arena.allocate(64);
      try {
        assertTrue(Libc.read(fd, buf.address(), 64) > 0);
      } finally {
        Libc.close(fd);
      }
      int efd = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
      assertTrue(efd >= 0, "eventfd: " + efd);
      try {
        assertEquals(-Errno.EAGAIN.value(), Libc.read(efd, buf.address(), 8), "counter is 0");
        buf.set(ValueLayout.JAVA_LONG, 0, 3);
        assertEquals(8, Libc.write(efd, buf.address(), 8));
        buf.set(ValueLayout.JAVA_LONG, 0, 0);
        assertEquals(8, Libc.read(efd, buf.address(), 8));
        assertEquals(3, buf.get(ValueLayout.JAVA_LONG, 0));
      } finally {
        Libc.close(efd);
      }
    }
  }

  @Test
  void heapMemoryIsRefused() {
    MemorySegment heap = MemorySegment.ofArray(new byte[16]);
    assertThrows(IllegalArgumentException.class, () -> Libc.bind(0, heap));
  }

  private static int udpSocketOnLoopback(Arena arena) {
    int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
    assertTrue(fd >= 0, "socket: " + fd);
    MemorySegment addr = arena.allocate(SockAddrIn.LAYOUT);
    SockAddrIn.write(addr, 0, LOOPBACK, 0);
    assertEquals(0, Libc.bind(fd, addr));
    return fd;
  }

  /** getsockname of a bound socket: 127.0.0.1 and the port the kernel picked. */
  private static MemorySegment boundAddress(Arena arena, int fd) {
    MemorySegment addr = arena.allocate(SockAddrIn.LAYOUT);
    MemorySegment len = arena.allocate(JAVA_INT);
    len.set(JAVA_INT, 0, SockAddrIn.SIZE);
    assertEquals(0, Libc.getsockname(fd, addr, len));
    assertEquals(SockAddrIn.SIZE, len.get(JAVA_INT, 0));
    assertEquals(LOOPBACK, SockAddrIn.ip(addr, 0));
    assertTrue(SockAddrIn.port(addr, 0) > 0);
    return addr;
  }
}
