package dev.gretun.core.os;

/** A failed system call: which call, and the errno it set. */
public final class SysException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String call;
  private final int errno;

  public SysException(String call, int errno) {
    super(call + ": " + Errno.describe(errno));
    this.call = call;
    this.errno = errno;
  }

  public String call() {
    return call;
  }

  public int errno() {
    return errno;
  }
}
