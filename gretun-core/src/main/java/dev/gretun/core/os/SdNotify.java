package dev.gretun.core.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The systemd readiness protocol (sd_notify(3)): one AF_UNIX datagram such as {@code READY=1} to
 * the socket named by {@code $NOTIFY_SOCKET}. The JDK's Unix-domain sockets are stream-only, so the
 * datagram goes through {@link Libc}. Outside systemd (no {@code $NOTIFY_SOCKET}) every call does
 * nothing; a failure to send is reported to the caller and never fatal to the service.
 */
public final class SdNotify {
  static final int AF_UNIX = 1;

  /** {@code sizeof(sun_path)} in {@code struct sockaddr_un}. */
  static final int SUN_PATH_MAX = 108;

  private static final int SUN_FAMILY_SIZE = 2;

  private final String socket;

  private SdNotify(String socket) {
    this.socket = socket;
  }

  /** The notifier for {@code $NOTIFY_SOCKET}, or one that does nothing when it is unset. */
  public static SdNotify fromEnvironment() {
    return forSocket(System.getenv("NOTIFY_SOCKET"));
  }

  /**
   * The notifier for {@code socket}: a path, or {@code @name} for a Linux abstract socket; null or
   * empty gives one that does nothing.
   */
  public static SdNotify forSocket(String socket) {
    return new SdNotify(socket == null || socket.isEmpty() ? null : socket);
  }

  /** Whether there is a socket to notify. */
  public boolean enabled() {
    return socket != null;
  }

  /** {@code READY=1}: start-up is finished. */
  public void ready(String status) throws ErrnoException {
    send("READY=1\nSTATUS=" + status);
  }

  /** {@code STOPPING=1}: shutdown has begun. */
  public void stopping() throws ErrnoException {
    send("STOPPING=1");
  }

  /** Sends {@code state} (newline-separated {@code KEY=VALUE} assignments) as one datagram. */
  public void send(String state) throws ErrnoException {
    if (socket == null) {
      return;
    }
    byte[] message = state.getBytes(StandardCharsets.UTF_8);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment addr = sockaddrUn(arena, socket);
      MemorySegment buf = arena.allocate(Math.max(1, message.length));
      MemorySegment.copy(message, 0, buf, JAVA_BYTE, 0, message.length);
      int fd = Sockets.open(AF_UNIX, Libc.SOCK_DGRAM, 0);
      try {
        Libc.check("sendto", Libc.sendto(fd, buf.address(), message.length, 0, addr));
      } finally {
        Sockets.close(fd);
      }
    }
  }

  /**
   * {@code struct sockaddr_un} for {@code name}, sized to what it holds: a path is NUL-terminated;
   * an abstract name ({@code @...}) starts with a NUL byte and has no terminator (unix(7)).
   */
  static MemorySegment sockaddrUn(Arena arena, String name) {
    boolean isAbstract = name.startsWith("@");
    byte[] path = name.getBytes(StandardCharsets.UTF_8);
    int pathLength = isAbstract ? path.length : path.length + 1;
    if (pathLength > SUN_PATH_MAX) {
      throw new IllegalArgumentException("socket name too long for sockaddr_un: " + name);
    }
    MemorySegment addr = arena.allocate(SUN_FAMILY_SIZE + pathLength, 8);
    addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
    MemorySegment.copy(path, 0, addr, JAVA_BYTE, SUN_FAMILY_SIZE, path.length);
    if (isAbstract) {
      addr.set(JAVA_BYTE, SUN_FAMILY_SIZE, (byte) 0);
    }
    return addr;
  }
}
