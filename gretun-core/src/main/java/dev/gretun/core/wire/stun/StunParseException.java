package dev.gretun.core.wire.stun;

/**
 * The one exception the STUN codec throws for bytes that are not an acceptable STUN message. It is
 * stackless: a malformed datagram is an expected event that the receive loop counts and drops.
 */
public final class StunParseException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a datagram was rejected; receive loops count drops by this reason. */
  public enum Reason {
    SHORT,
    NOT_STUN,
    BAD_LENGTH,
    BAD_ATTRIBUTE,
    BAD_FINGERPRINT,
    UNKNOWN_REQUIRED_ATTRIBUTE
  }

  private final Reason reason;

  public StunParseException(Reason reason, String detail) {
    super(reason + ": " + detail, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
