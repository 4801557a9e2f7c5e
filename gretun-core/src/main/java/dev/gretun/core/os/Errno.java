package dev.gretun.core.os;

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
  ENOTTY(25, "Inappropriate ioctl for device"),
  ENOSPC(28, "No space left on device"),
  ERANGE(34, "Numerical result out of range"),
  EMSGSIZE(90, "Message too long"),
  ENOPROTOOPT(92, "Protocol not available"),
  EPROTONOSUPPORT(93, "Protocol not supported"),
  EOPNOTSUPP(95, "Operation not supported"),
  EAFNOSUPPORT(97, "Address family not supported by protocol"),
  EADDRINUSE(98, "Address already in use"),
  EADDRNOTAVAIL(99, "Cannot assign requested address"),
  ENETDOWN(100, "Network is down"),
  ENETUNREACH(101, "Network is unreachable"),
  ENOBUFS(105, "No buffer space available"),
  ENOTCONN(107, "Transport endpoint is not connected"),
  ETIMEDOUT(110, "Connection timed out"),
  ECONNREFUSED(111, "Connection refused"),
  EHOSTUNREACH(113, "No route to host"),
  EALREADY(114, "Operation already in progress");

  private static final Errno[] BY_VALUE = new Errno[128];

  static {
    for (Errno e : values()) {
      BY_VALUE[e.value] = e;
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
    return value > 0 && value < BY_VALUE.length ? BY_VALUE[value] : null;
  }

  /** True when {@code value} is this errno. */
  public boolean is(int value) {
    return this.value == value;
  }

  /**
   * True when a datagram send that failed with {@code value} lost only that datagram and the socket
   * is fine: buffer full, no route, a local firewall (EPERM), too big, or an ICMP error about an
   * earlier datagram (ECONNREFUSED). The datagram is dropped, as a router would.
   */
  public static boolean dropsDatagramOnly(int value) {
    Errno e = of(value);
    return e != null
        && switch (e) {
          case EAGAIN, EINTR, ENOBUFS, ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EPERM, EMSGSIZE ->
              true;
          default -> false;
        };
  }

  /** {@code "EEXIST (File exists)"}, or {@code "errno 123"} for values outside the table. */
  public static String describe(int value) {
    Errno e = of(value);
    return e == null ? "errno " + value : e.name() + " (" + e.message + ")";
  }
}
