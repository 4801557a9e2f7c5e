package dev.gretun.core.coord;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Ed25519 node keys as the coordinator wire carries them: the raw 32-byte public key (RFC 8032
 * encoding) in standard padded base64. Converts between that form and the JDK's key objects, whose
 * encoded form is X.509 SubjectPublicKeyInfo (RFC 8410): a fixed 12-byte prefix plus the raw key.
 */
public final class NodeKeys {
  public static final int KEY_BYTES = 32;
  public static final int SIGNATURE_BYTES = 64;

  /** SubjectPublicKeyInfo header for id-Ed25519 (1.3.101.112) with a 32-byte BIT STRING. */
  private static final byte[] X509_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  private NodeKeys() {}

  /** A fresh Ed25519 key pair from the JDK provider. */
  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("JDK lacks Ed25519", e);
    }
  }

  /** The raw 32-byte public key of a JDK Ed25519 public key. */
  public static byte[] rawPublic(PublicKey key) {
    byte[] enc = key.getEncoded();
    if (enc.length != X509_PREFIX.length + KEY_BYTES
        || !Arrays.equals(enc, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
      throw new IllegalArgumentException("not an Ed25519 public key: " + key.getAlgorithm());
    }
    return Arrays.copyOfRange(enc, X509_PREFIX.length, enc.length);
  }

  /** A JDK public key from the raw 32 bytes; throws IllegalArgumentException for bad input. */
  public static PublicKey publicFromRaw(byte[] raw) {
    if (raw.length != KEY_BYTES) {
      throw new IllegalArgumentException("Ed25519 public key must be 32 bytes, got " + raw.length);
    }
    byte[] enc = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + KEY_BYTES);
    System.arraycopy(raw, 0, enc, X509_PREFIX.length, KEY_BYTES);
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(enc));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a valid Ed25519 public key", e);
    }
  }

  /** Standard padded base64, the form every key takes on the wire. */
  public static String b64(byte[] raw) {
    return Base64.getEncoder().encodeToString(raw);
  }

  /**
   * Decodes a base64 key of exactly {@code length} bytes; throws IllegalArgumentException naming
   * {@code field} when the text is not base64 or has the wrong length.
   */
  public static byte[] decodeKey(String field, String text, int length) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException(field + " is missing");
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + " is not standard base64");
    }
    if (raw.length != length) {
      throw new IllegalArgumentException(
          field + " must decode to " + length + " bytes, got " + raw.length);
    }
    return raw;
  }
}
