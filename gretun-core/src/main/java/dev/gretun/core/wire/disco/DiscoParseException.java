package dev.gretun.core.wire.disco;

/**
 * The one exception the disco codecs throw for bytes that are not an acceptable envelope or body.
 * Stackless: bad datagrams are expected, counted by {@link Reason} and dropped.
 */
public final class DiscoParseException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why an envelope or body was rejected. */
  public enum Reason {
    SHORT,
    TOO_LARGE,
    BAD_MAGIC,
    UNKNOWN_SENDER,
    AUTH_FAILED,
    MALFORMED_JSON,
    UNKNOWN_TYPE,
    BAD_FIELD
  }

  private final Reason reason;

  public DiscoParseException(Reason reason, String detail) {
    super(reason + ": " + detail, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
