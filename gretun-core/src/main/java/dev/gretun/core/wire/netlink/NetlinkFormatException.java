package dev.gretun.core.wire.netlink;

/** Bytes that do not form a valid netlink message or attribute. */
public final class NetlinkFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NetlinkFormatException(String message) {
    super(message);
  }
}
