package dev.gretun.core.wire.stun;

/**
 * STUN constants (RFC 8489). Header: type u16 | length u16 | magic cookie 0x2112A442 | transaction
 * id (12 bytes) | attributes (TLV, values padded to 4 bytes).
 */
public final class Stun {
  public static final int HEADER_LENGTH = 20;
  public static final int MAGIC_COOKIE = 0x2112A442;

  public static final int BINDING_REQUEST = 0x0001;
  public static final int BINDING_SUCCESS = 0x0101;
  public static final int BINDING_ERROR = 0x0111;

  public static final int ATTR_MAPPED_ADDRESS = 0x0001;

  /** RFC 5780 §7.2: ask the server to answer from another IP and/or port. */
  public static final int ATTR_CHANGE_REQUEST = 0x0003;

  public static final int ATTR_USERNAME = 0x0006;
  public static final int ATTR_MESSAGE_INTEGRITY = 0x0008;
  public static final int ATTR_ERROR_CODE = 0x0009;
  public static final int ATTR_UNKNOWN_ATTRIBUTES = 0x000A;
  public static final int ATTR_REALM = 0x0014;
  public static final int ATTR_NONCE = 0x0015;
  public static final int ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C;
  public static final int ATTR_PASSWORD_ALGORITHM = 0x001D;
  public static final int ATTR_USERHASH = 0x001E;
  public static final int ATTR_XOR_MAPPED_ADDRESS = 0x0020;

  /** ICE PRIORITY and USE-CANDIDATE (RFC 8445 §16.1); both appear in RFC 5769's sample request. */
  public static final int ATTR_PRIORITY = 0x0024;

  public static final int ATTR_USE_CANDIDATE = 0x0025;
  public static final int ATTR_SOFTWARE = 0x8022;
  public static final int ATTR_FINGERPRINT = 0x8028;

  /** RFC 5780 §7.4: the address a CHANGE-REQUEST would answer from (comprehension-optional). */
  public static final int ATTR_OTHER_ADDRESS = 0x802C;

  /** CHANGE-REQUEST flag bits (RFC 5780 §7.2): "change IP" A and "change port" B. */
  public static final int CHANGE_IP = 0x04;

  public static final int CHANGE_PORT = 0x02;

  /** FINGERPRINT = CRC-32 of the message up to the attribute, XOR "STUN" (RFC 8489 §14.7). */
  public static final int FINGERPRINT_XOR = 0x5354554E;

  /** Default port for STUN over UDP (RFC 8489 §18.6). */
  public static final int DEFAULT_PORT = 3478;

  private Stun() {}

  /**
   * True when a comprehension-required attribute type (0x0000-0x7FFF) is one we understand, at
   * least well enough to ignore it: the RFC 8489 registry plus ICE's PRIORITY and USE-CANDIDATE and
   * RFC 5780's CHANGE-REQUEST.
   */
  static boolean isKnownRequired(int type) {
    return switch (type) {
      case ATTR_MAPPED_ADDRESS,
          ATTR_CHANGE_REQUEST,
          ATTR_USERNAME,
          ATTR_MESSAGE_INTEGRITY,
          ATTR_ERROR_CODE,
          ATTR_UNKNOWN_ATTRIBUTES,
          ATTR_REALM,
          ATTR_NONCE,
          ATTR_MESSAGE_INTEGRITY_SHA256,
          ATTR_PASSWORD_ALGORITHM,
          ATTR_USERHASH,
          ATTR_XOR_MAPPED_ADDRESS,
          ATTR_PRIORITY,
          ATTR_USE_CANDIDATE ->
          true;
      default -> false;
    };
  }
}
