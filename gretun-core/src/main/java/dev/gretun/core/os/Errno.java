package dev.gretun.core.os;

import java.util.HashMap;
import java.util.Map;

/**
 * The Linux errno values the project meets (x86_64/aarch64 numbering, {@code
 * asm-generic/errno*.h}), with their symbolic names and the glibc {@code strerror} texts.
 */
public enum Errno {
  EPERM(1, "Operation not permitted"),
  ENOENT(2, "No such file or directory"),
  ESRCH(3, "No such process"),
  EINTR(4, "Interrupted system call"),
  EIO(5, "Input/output error"),
  EBADF(9, "Bad file descriptor"),
  EAGAIN(11, "Resource temporarily unavailable"),
  ENOMEM(12, "Cannot allocate memory"),
  EACCES(13, "Permission denied"),
  EFAULT(14, "Bad address"),
  EBUSY(16, "Device or resource busy"),
  EEXIST(17, "File exists"),
  ENODEV(19, "No such device"),
  EINVAL(22, "Invalid argument"),
  ENFILE(23, "Too many open files in system"),
  EMFILE(24, "Too many open files"),
  ENOSPC(28, "No space left on device"),
  ERANGE(34, "Numerical result out of range"),
  EMSGSIZE(90, "Message too long"),
  EPROTONOSUPPORT(93, "Protocol not supported"),
  EOPNOTSUPP(95, "Operation not supported"),
  EAFNOSUPPORT(97, "Address family not supported by protocol"),
  EADDRINUSE(98, "Address already in use"),
  EADDRNOTAVAIL(99, "Cannot assign requested address"),
  ENETDOWN(100, "Network is down"),
  ENETUNREACH(101, "Network is unreachable"),
  ENOBUFS(105, "No buffer space available"),
  ETIMEDOUT(110, "Connection timed out"),
  EHOSTUNREACH(113, "No route to host"),
  EALREADY(114, "Operation already in progress");

  private static final Map<Integer, Errno> BY_VALUE = new HashMap<>();

  static {
    for (Errno e : values()) {
      BY_VALUE.put(e.value, e);
    }
  }

  private final int value;
  private final String message;

  Errno(int value, String message) {
    this.value = value;
    this.message = message;
  }

  public int value() {
    return value;
  }

  public String message() {
    return message;
  }

  /** The constant for {@code value}, or null when it is not in this table. */
  public static Errno of(int value) {
    return BY_VALUE.get(value);
  }

  /** True when {@code value} is this errno. */
  public boolean is(int value) {
    return this.value == value;
  }

  /** {@code "EEXIST (File exists)"}, or {@code "errno 123"} for values outside the table. */
  public static String describe(int value) {
    Errno e = of(value);
    return e == null ? "errno " + value : e.name() + " (" + e.message + ")";
  }
}
