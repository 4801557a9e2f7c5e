package dev.gretun.core.keys;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;

/**
 * Ed25519 (RFC 8032) on raw keys, computed by the JDK: private key = the 32-byte seed, public key =
 * the 32-byte encoding (little-endian y with the sign of x in the top bit), signature = 64 bytes.
 */
public final class Ed25519Keys {
  public static final int KEY_BYTES = 32;
  public static final int SIGNATURE_BYTES = 64;

  /** A raw key pair: {@code seed} is secret. */
  public record RawKeyPair(byte[] seed, byte[] publicKey) {}

  private Ed25519Keys() {}

  public static RawKeyPair generate(SecureRandom random) {
    try {
      KeyPairGenerator kpg = KeyPairGenerator.getInstance("Ed25519");
      kpg.initialize(NamedParameterSpec.ED25519, random);
      KeyPair kp = kpg.generateKeyPair();
      byte[] seed = ((EdECPrivateKey) kp.getPrivate()).getBytes().orElseThrow();
      return new RawKeyPair(seed, encode(((EdECPublicKey) kp.getPublic()).getPoint()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is part of every JDK", e);
    }
  }

  /** Signs {@code message} with the 32-byte seed; returns the 64-byte signature. */
  public static byte[] sign(byte[] seed, byte[] message) {
    if (seed.length != KEY_BYTES) {
      throw new IllegalArgumentException("Ed25519 seeds are 32 bytes");
    }
    try {
      PrivateKey key =
          KeyFactory.getInstance("Ed25519")
              .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(key);
      s.update(message);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  /** True when {@code signature} is a valid signature of {@code message} by {@code publicKey}. */
  public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
    if (publicKey.length != KEY_BYTES || signature.length != SIGNATURE_BYTES) {
      return false;
    }
    try {
      PublicKey key =
          KeyFactory.getInstance("Ed25519")
              .generatePublic(new EdECPublicKeySpec(NamedParameterSpec.ED25519, decode(publicKey)));
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(key);
      s.update(message);
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // not a valid point, or a malformed signature
    }
  }

  private static byte[] encode(EdECPoint p) {
    byte[] out = new byte[KEY_BYTES];
    byte[] be = p.getY().toByteArray();
    for (int i = 0; i < be.length && i < KEY_BYTES; i++) {
      out[i] = be[be.length - 1 - i];
    }
    if (p.isXOdd()) {
      out[KEY_BYTES - 1] |= (byte) 0x80;
    }
    return out;
  }

  private static EdECPoint decode(byte[] raw) {
    boolean xOdd = (raw[KEY_BYTES - 1] & 0x80) != 0;
    byte[] be = new byte[KEY_BYTES];
    for (int i = 0; i < KEY_BYTES; i++) {
      be[i] = raw[KEY_BYTES - 1 - i];
    }
    be[0] &= 0x7F;
    return new EdECPoint(xOdd, new BigInteger(1, be));
  }
}
