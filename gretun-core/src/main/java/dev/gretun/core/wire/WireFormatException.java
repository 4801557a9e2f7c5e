package dev.gretun.core.wire;

/**
 * The one exception every codec in {@code dev.gretun.core.wire} throws for bytes it does not
 * accept. Receive loops count it by {@link #reason()} and drop the datagram. Stackless, because a
 * malformed packet is an expected event, not a bug.
 *
 * <p>Unchecked so that netlink replies, which are parsed deep inside link-control calls, fail that
 * call like any other kernel error; every packet receive loop catches it by name (fuzz tests check
 * that nothing else escapes the packet codecs).
 */
public final class WireFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why bytes were rejected. */
  public enum Reason {
    /** Shorter than the fixed header or than the lengths inside it announce. */
    TRUNCATED,
    /** Longer than the codec accepts (disco envelopes and bodies). */
    TOO_LARGE,
    /** Not this protocol at all: wrong magic, cookie or leading bits. */
    BAD_MAGIC,
    /** A version field we do not speak (GRE version, IP version). */
    BAD_VERSION,
    /** Flag bits that must be zero are set (GRE routing/reserved bits). */
    BAD_FLAGS,
    /** Length fields that contradict each other or the datagram. */
    BAD_LENGTH,
    /** A checksum or CRC (STUN FINGERPRINT) that does not match. */
    BAD_CHECKSUM,
    /** An attribute (STUN, netlink) that is missing, misplaced or of the wrong size. */
    BAD_ATTRIBUTE,
    /** A message type this codec does not accept here (disco body type, netlink reply type). */
    BAD_TYPE,
    /** A disco body that is not one JSON object. */
    MALFORMED_JSON,
    /** A JSON field that is missing or has the wrong form. */
    BAD_FIELD,
    /**
     * Well-formed, but something we do not handle: an unknown comprehension-required STUN
     * attribute, an IP fragment, a transport other than UDP.
     */
    UNSUPPORTED,
    /** A disco envelope from a sender we have no key for. */
    UNKNOWN_SENDER,
    /** A sealed box that did not authenticate. */
    AUTH_FAILED,
    /** A netlink exchange ended without the message the protocol requires (ACK, reply, DONE). */
    MISSING_REPLY
  }

  private final Reason reason;
  private final String detail;

  /** The message is {@code "<REASON>: <detail>"}, the form drop logs print. */
  public WireFormatException(Reason reason, String detail) {
    super(reason + ": " + detail, null, false, false);
    this.reason = reason;
    this.detail = detail;
  }

  public Reason reason() {
    return reason;
  }

  /** What exactly was wrong, without the reason. */
  public String detail() {
    return detail;
  }
}
