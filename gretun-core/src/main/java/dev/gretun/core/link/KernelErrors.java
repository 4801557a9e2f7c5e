package dev.gretun.core.link;

import dev.gretun.core.GretunException;
import dev.gretun.core.os.Errno;
import dev.gretun.core.os.NetlinkException;

/**
 * Turns kernel errors into operator messages with stable codes: {@code permission}, {@code
 * kernel_support}, {@code exists}, {@code not_found}, {@code address_in_use}, {@code invalid}, and
 * {@code kernel} for anything else.
 */
public final class KernelErrors {
  public static final String KERNEL_LACKS_GRE = "kernel lacks ip_gre/fou: modprobe fou ip_gre";
  public static final String NEEDS_NET_ADMIN =
      "needs root or CAP_NET_ADMIN: run with sudo, or grant it with"
          + " 'setcap cap_net_admin+ep' on the java binary";

  private KernelErrors() {}

  /** What happened, in words: e.g. "create tunnel gt0" or "add FOU port 7777". */
  public static GretunException translate(RuntimeException e, String what) {
    if (e instanceof GretunException ge) {
      return ge;
    }
    int errno;
    String extAck = null;
    if (e instanceof NetlinkException ne) {
      errno = ne.errno();
      extAck = ne.extAck();
    } else {
      return new GretunException("kernel", what + " failed: " + e.getMessage(), e);
    }
    String detail = Errno.describe(errno) + (extAck == null ? "" : ", kernel says: " + extAck);
    Errno known = Errno.of(errno);
    if (known == null) {
      return new GretunException("kernel", what + " failed: " + detail, e);
    }
    return switch (known) {
      case EPERM, EACCES -> new GretunException("permission", what + ": " + NEEDS_NET_ADMIN, e);
      case EOPNOTSUPP, EPROTONOSUPPORT ->
          new GretunException("kernel_support", KERNEL_LACKS_GRE, e);
      case EEXIST -> new GretunException("exists", what + ": already exists (" + detail + ")", e);
      case ENODEV -> new GretunException("not_found", what + ": no such device", e);
      case EADDRINUSE ->
          new GretunException(
              "address_in_use",
              what + ": address or port already in use by another socket (" + detail + ")",
              e);
      case EINVAL ->
          new GretunException(
              "invalid", what + ": the kernel rejected the parameters (" + detail + ")", e);
      default -> new GretunException("kernel", what + " failed: " + detail, e);
    };
  }
}
