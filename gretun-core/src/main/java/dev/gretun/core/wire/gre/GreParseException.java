package dev.gretun.core.wire.gre;

/**
 * The one exception the GRE header codec throws; stackless (bad packets are counted and dropped).
 */
public final class GreParseException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a packet was rejected. */
  public enum Reason {
    SHORT,
    BAD_VERSION,
    BAD_FLAGS,
    BAD_CHECKSUM
  }

  private final Reason reason;

  public GreParseException(Reason reason, String detail) {
    super(reason + ": " + detail, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
