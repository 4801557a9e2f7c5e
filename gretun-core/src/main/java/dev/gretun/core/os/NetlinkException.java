package dev.gretun.core.os;

import dev.gretun.core.wire.netlink.NlMessage;

/**
 * The kernel refused a netlink request ({@code NLMSG_ERROR} with a negative error): the errno, and
 * the extended-ack text when the kernel gave one (e.g. "Unknown device type").
 */
public final class NetlinkException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int errno;
  private final String extAck;

  public NetlinkException(int errno, String extAck) {
    super(Errno.describe(errno) + (extAck == null ? "" : ": " + extAck));
    this.errno = errno;
    this.extAck = extAck;
  }

  /** The error an {@code NLMSG_ERROR} reply carries, or null when it is an ACK (error 0). */
  public static NetlinkException of(NlMessage error) {
    int errno = error.errno();
    return errno == 0 ? null : new NetlinkException(errno, error.extAck());
  }

  /** Positive errno value. */
  public int errno() {
    return errno;
  }

  /** The kernel's extended-ack message, or null. */
  public String extAck() {
    return extAck;
  }

  public boolean is(Errno e) {
    return e.is(errno);
  }
}
