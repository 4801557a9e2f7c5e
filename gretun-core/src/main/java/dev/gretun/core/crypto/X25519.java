package dev.gretun.core.crypto;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.XECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;

/**
 * X25519 (RFC 7748) on raw 32-byte keys, computed by the JDK's {@code KeyAgreement("X25519")}.
 * Private keys are the 32-byte scalar (clamped inside the function), public keys the 32-byte
 * little-endian u-coordinate.
 */
public final class X25519 {
  public static final int KEY_BYTES = 32;
  private static final byte[] BASE_POINT = new byte[KEY_BYTES];

  static {
    BASE_POINT[0] = 9;
  }

  private X25519() {}

  /** A fresh private key (32 random bytes). */
  public static byte[] generatePrivate(SecureRandom random) {
    try {
      KeyPairGenerator kpg = KeyPairGenerator.getInstance("X25519");
      kpg.initialize(NamedParameterSpec.X25519, random);
      return ((XECPrivateKey) kpg.generateKeyPair().getPrivate()).getScalar().orElseThrow();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("X25519 is part of every JDK", e);
    }
  }

  /** The public key of {@code privateKey}: X25519(k, 9). */
  public static byte[] publicKey(byte[] privateKey) {
    try {
      return sharedSecret(privateKey, BASE_POINT);
    } catch (InvalidKeyException e) {
      throw new IllegalStateException("the base point has full order", e);
    }
  }

  /**
   * X25519(ourPrivate, theirPublic). Throws {@link InvalidKeyException} when the result is all
   * zeros, i.e. {@code theirPublic} is a small-order point (libsodium's crypto_box fails there
   * too).
   */
  public static byte[] sharedSecret(byte[] ourPrivate, byte[] theirPublic)
      throws InvalidKeyException {
    checkLength(ourPrivate);
    checkLength(theirPublic);
    try {
      KeyFactory kf = KeyFactory.getInstance("X25519");
      var priv = kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, ourPrivate));
      // RFC 7748 §5: the u-coordinate is little-endian and its top bit is ignored.
      byte[] be = new byte[KEY_BYTES];
      for (int i = 0; i < KEY_BYTES; i++) {
        be[i] = theirPublic[KEY_BYTES - 1 - i];
      }
      be[0] &= 0x7F;
      var pub =
          kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, be)));
      var ka = javax.crypto.KeyAgreement.getInstance("X25519");
      ka.init(priv);
      ka.doPhase(pub, true);
      byte[] shared = ka.generateSecret();
      if (Arrays.equals(shared, new byte[KEY_BYTES])) {
        throw new InvalidKeyException("small-order public key");
      }
      return shared;
    } catch (InvalidKeyException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw new InvalidKeyException("X25519 failed: " + e.getMessage(), e);
    }
  }

  private static void checkLength(byte[] key) {
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException("X25519 keys are 32 bytes, got " + key.length);
    }
  }
}
