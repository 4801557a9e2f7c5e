package dev.gretun.core.os;

import java.io.IOException;
import java.util.Map;

/** A failed system call: {@code "ioctl(TUNSETIFF) failed: EPERM (errno 1)"}. */
public final class ErrnoException extends IOException {
  private static final long serialVersionUID = 1L;

  // Linux x86-64/aarch64 values (asm-generic/errno-base.h, errno.h); others print as a number.
  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(1, "EPERM"),
          Map.entry(2, "ENOENT"),
          Map.entry(4, "EINTR"),
          Map.entry(5, "EIO"),
          Map.entry(9, "EBADF"),
          Map.entry(11, "EAGAIN"),
          Map.entry(12, "ENOMEM"),
          Map.entry(13, "EACCES"),
          Map.entry(14, "EFAULT"),
          Map.entry(16, "EBUSY"),
          Map.entry(17, "EEXIST"),
          Map.entry(19, "ENODEV"),
          Map.entry(22, "EINVAL"),
          Map.entry(24, "EMFILE"),
          Map.entry(25, "ENOTTY"),
          Map.entry(28, "ENOSPC"),
          Map.entry(90, "EMSGSIZE"),
          Map.entry(105, "ENOBUFS"));

  private final String call;
  private final int errno;

  public ErrnoException(String call, int errno) {
    super(call + " failed: " + name(errno) + " (errno " + errno + ")");
    this.call = call;
    this.errno = errno;
  }

  /** The call that failed, e.g. {@code "open(/dev/net/tun)"}. */
  public String call() {
    return call;
  }

  public int errno() {
    return errno;
  }

  /** {@code "EPERM"} for 1, the number for values this class does not name. */
  public static String name(int errno) {
    return NAMES.getOrDefault(errno, Integer.toString(errno));
  }
}
