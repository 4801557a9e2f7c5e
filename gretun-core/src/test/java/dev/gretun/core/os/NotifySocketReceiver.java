package dev.gretun.core.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What systemd's side of sd_notify is to a test: an AF_UNIX datagram socket bound to a path (or an
 * abstract {@code @name}) that the process under test is told about through {@code $NOTIFY_SOCKET}.
 */
public final class NotifySocketReceiver extends SocketFd {
  private final String name;

  private NotifySocketReceiver(int fd, String name) {
    super(fd);
    this.name = name;
  }

  /** Binds a datagram socket to {@code path}, which must not exist yet. */
  public static NotifySocketReceiver bind(Path path) throws ErrnoException {
    return bind(path.toString());
  }

  /** Binds to a path or, for {@code @name}, to a Linux abstract socket. */
  public static NotifySocketReceiver bind(String name) throws ErrnoException {
    return Sockets.open(
        SdNotify.AF_UNIX,
        Libc.SOCK_DGRAM,
        0,
        fd -> {
          try (Arena arena = Arena.ofConfined()) {
            Sockets.bind(fd, SdNotify.sockaddrUn(arena, name));
          }
          return new NotifySocketReceiver(fd, name);
        });
  }

  /** The value for {@code $NOTIFY_SOCKET}. */
  public String name() {
    return name;
  }

  /** The next datagram as text, or empty when none arrives within {@code timeout}. */
  public Optional<String> receive(Duration timeout) throws ErrnoException {
    Sockets.setReceiveTimeout(fd, timeout);
    MemorySegment buf = arena.allocate(4096);
    long n = Libc.recv(fd, buf.address(), buf.byteSize(), 0);
    if (n == -Errno.EAGAIN.value()) {
      return Optional.empty();
    }
    Libc.check("recv", n);
    return Optional.of(
        new String(
            buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
            StandardCharsets.UTF_8));
  }
}
