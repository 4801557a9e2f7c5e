package dev.gretun.core.keys;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The forgery of issue 14, for tests that perform it: with the identity point as public key A
 * (encoding 01 00…00), the signature R = [s]B, S = s satisfies [S]B = R + [k]A for every message,
 * so it needs no private key. Any key pair gives such an (R, s): R = its public key [a]B, s = a mod
 * L.
 */
public final class Ed25519Forgery {
  static final BigInteger L =
      BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));

  private Ed25519Forgery() {}

  /** The identity encoding, 01 followed by 31 zero bytes (base64 AQAA…A=). */
  public static byte[] identityKey() {
    byte[] a = new byte[32];
    a[0] = 1;
    return a;
  }

  /** A 64-byte signature that the identity key "made" over every message. */
  public static byte[] universalSignature() {
    KeyPair any = Ed25519Keys.generate();
    byte[] r = Ed25519Keys.rawPublic(any.getPublic());
    byte[] s = littleEndian32(secretScalar(Ed25519Keys.seed(any.getPrivate())).mod(L));
    byte[] sig = Arrays.copyOf(r, 64);
    System.arraycopy(s, 0, sig, 32, 32);
    return sig;
  }

  /** The secret scalar a of a seed (RFC 8032 §5.1.5): the public key is [a]B. */
  static BigInteger secretScalar(byte[] seed) {
    byte[] h;
    try {
      h = Arrays.copyOf(MessageDigest.getInstance("SHA-512").digest(seed), 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    h[0] &= (byte) 0xf8;
    h[31] &= 0x7f;
    h[31] |= 0x40;
    byte[] be = new byte[32];
    for (int i = 0; i < 32; i++) {
      be[i] = h[31 - i];
    }
    return new BigInteger(1, be);
  }

  static byte[] littleEndian32(BigInteger v) {
    byte[] out = new byte[32];
    byte[] be = v.toByteArray();
    for (int i = 0; i < Math.min(32, be.length); i++) {
      out[i] = be[be.length - 1 - i];
    }
    return out;
  }
}
