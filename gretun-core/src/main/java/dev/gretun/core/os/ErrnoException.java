package dev.gretun.core.os;

import java.io.IOException;

/**
 * A failed system call, the one error type of this package: {@code "ioctl(gt0, TUNSETIFF) failed:
 * EPERM (errno 1)"}. Checked, so a caller that handles {@link IOException} sees it too.
 */
public final class ErrnoException extends IOException {
  private static final long serialVersionUID = 1L;
  private final String call;
  private final int errno;

  public ErrnoException(String call, int errno) {
    super(call + " failed: " + describe(errno));
    this.call = call;
    this.errno = errno;
  }

  /** The call that failed, e.g. {@code "open(/dev/net/tun)"}. */
  public String call() {
    return call;
  }

  /** The positive errno value. */
  public int errno() {
    return errno;
  }

  /** True when the call failed with {@code e}. */
  public boolean is(Errno e) {
    return e.is(errno);
  }

  /** {@code "EPERM (errno 1)"}; {@code "errno 4095"} for a value {@link Errno} does not name. */
  static String describe(int errno) {
    Errno e = Errno.of(errno);
    return e == null ? "errno " + errno : e.name() + " (errno " + errno + ")";
  }
}
