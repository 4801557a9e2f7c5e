package dev.gretun.core.keys;

import java.math.BigInteger;
import java.util.List;

/**
 * The encoding checks libsodium's {@code crypto_sign_verify_detached} makes before any curve
 * arithmetic, which the JDK's EdDSA does not: a canonical scalar S (S &lt; L), canonically encoded
 * points (y &lt; p), and no small-order point as public key A or as R. Without them a public key of
 * small order, such as the identity {@code 01 00…00}, verifies a signature R = [s]B, S = s for
 * every message, so anyone could speak for a node registered with such a key.
 *
 * <p>The small-order list is libsodium's {@code ge25519_has_small_order} blocklist: the
 * y-coordinates of the eight points of order 1, 2, 4 and 8 (0, 1, −1 and the two order-8 values),
 * plus the non-canonical aliases p and p + 1 of 0 and 1; the sign bit of x (bit 255) is ignored, so
 * each entry also stands for its encoding with the high bit set.
 */
final class Ed25519Encodings {
  private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
  private static final BigInteger L =
      BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));

  /** y of the order-8 points: (x, ±Y8) with y = Y8 or p − Y8. */
  private static final BigInteger Y8 =
      new BigInteger(
          "2707385501144840649318225287225658788936804267575313519463743609750303402022");

  private static final byte[] L_LE = littleEndian(L);
  private static final List<byte[]> SMALL_ORDER_Y =
      List.of(
          littleEndian(BigInteger.ZERO), // order 4
          littleEndian(BigInteger.ONE), // order 1 (the identity)
          littleEndian(Y8), // order 8
          littleEndian(P.subtract(Y8)), // order 8
          littleEndian(P.subtract(BigInteger.ONE)), // order 2
          littleEndian(P), // 0 again, non-canonical
          littleEndian(P.add(BigInteger.ONE))); // 1 again, non-canonical

  private Ed25519Encodings() {}

  /** True when the 32 little-endian bytes at {@code off} are a scalar below the group order L. */
  static boolean isCanonicalScalar(byte[] s, int off) {
    for (int i = 31; i >= 0; i--) {
      int a = s[off + i] & 0xff;
      int b = L_LE[i] & 0xff;
      if (a != b) {
        return a < b;
      }
    }
    return false; // S == L
  }

  /** True when the point encoding at {@code off} has y &lt; p (bit 255 is the sign of x). */
  static boolean isCanonicalPoint(byte[] e, int off) {
    if ((e[off + 31] & 0x7f) != 0x7f) {
      return true;
    }
    for (int i = 30; i >= 1; i--) {
      if ((e[off + i] & 0xff) != 0xff) {
        return true;
      }
    }
    return (e[off] & 0xff) < 0xed;
  }

  /** True when the point encoding at {@code off} is a point of order 1, 2, 4 or 8 (any alias). */
  static boolean hasSmallOrder(byte[] e, int off) {
    for (byte[] y : SMALL_ORDER_Y) {
      int diff = ((e[off + 31] & 0x7f) ^ y[31]);
      for (int i = 0; i < 31; i++) {
        diff |= e[off + i] ^ y[i];
      }
      if (diff == 0) {
        return true;
      }
    }
    return false;
  }

  /** The blocklist entries as 32-byte encodings with bit 255 clear (for tests). */
  static List<byte[]> smallOrderEncodings() {
    return SMALL_ORDER_Y.stream().map(byte[]::clone).toList();
  }

  private static byte[] littleEndian(BigInteger v) {
    byte[] be = v.toByteArray();
    byte[] le = new byte[32];
    for (int i = 0; i < Math.min(32, be.length); i++) {
      le[i] = be[be.length - 1 - i]; // a leading sign byte of toByteArray is dropped
    }
    return le;
  }
}
