package dev.gretun.core.keys;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Ed25519 (RFC 8032) node keys, computed by the JDK: conversion between the raw forms the key file
 * and the coordinator wire carry (private key = the 32-byte seed, public key = the 32-byte
 * encoding) and the JDK's key objects, plus signing and verification. The JDK's encoded public key
 * is X.509 SubjectPublicKeyInfo (RFC 8410): a fixed 12-byte prefix plus the raw key.
 */
public final class Ed25519Keys {
  public static final int KEY_BYTES = 32;
  public static final int SIGNATURE_BYTES = 64;

  /** SubjectPublicKeyInfo header for id-Ed25519 (1.3.101.112) with a 32-byte BIT STRING. */
  private static final byte[] X509_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  private Ed25519Keys() {}

  /** A fresh key pair. */
  public static KeyPair generate() {
    return generate(new SecureRandom());
  }

  /** A fresh key pair drawn from {@code random}. */
  public static KeyPair generate(SecureRandom random) {
    try {
      KeyPairGenerator kpg = KeyPairGenerator.getInstance("Ed25519");
      kpg.initialize(NamedParameterSpec.ED25519, random);
      return kpg.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is part of every JDK", e);
    }
  }

  /** The JDK key pair of a raw seed and its raw public key (the key file's form). */
  public static KeyPair keyPair(byte[] seed, byte[] rawPublic) {
    return new KeyPair(publicFromRaw(rawPublic), privateFromSeed(seed));
  }

  /** The 32-byte seed of a JDK Ed25519 private key. */
  public static byte[] seed(PrivateKey key) {
    if (!(key instanceof EdECPrivateKey ed) || ed.getBytes().isEmpty()) {
      throw new IllegalArgumentException("not an Ed25519 private key: " + key.getAlgorithm());
    }
    return ed.getBytes().get();
  }

  /** A JDK private key from the 32-byte seed. */
  public static PrivateKey privateFromSeed(byte[] seed) {
    if (seed.length != KEY_BYTES) {
      throw new IllegalArgumentException("Ed25519 seeds are 32 bytes");
    }
    try {
      return KeyFactory.getInstance("Ed25519")
          .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is part of every JDK", e);
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

  /**
   * True when the 32 bytes are a canonical encoding of a point that is not of small order: the
   * check {@link #verify} makes on every public key (cheap, no curve arithmetic).
   */
  public static boolean isStrictPublicKey(byte[] raw) {
    return raw.length == KEY_BYTES
        && Ed25519Encodings.isCanonicalPoint(raw, 0)
        && !Ed25519Encodings.hasSmallOrder(raw, 0);
  }

  /**
   * {@link #isStrictPublicKey}, and the point is on the curve and in the prime-order subgroup
   * (Bouncy Castle's full validation, one scalar multiplication): what a key must pass to be
   * registered. Keys made by {@link #generate} always pass.
   */
  public static boolean isValidPublicKey(byte[] raw) {
    return isStrictPublicKey(raw) && Ed25519.validatePublicKeyFull(raw, 0);
  }

  /** The 64-byte signature of {@code message}. */
  public static byte[] sign(PrivateKey key, byte[] message) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(key);
      s.update(message);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  /**
   * True when {@code signature} is a valid signature of {@code message} by {@code rawPublic},
   * verified strictly as libsodium does: a small-order or non-canonically encoded public key or R,
   * or a scalar S &ge; L, is refused before the JDK checks the equation ({@link Ed25519Encodings}).
   */
  public static boolean verify(byte[] rawPublic, byte[] message, byte[] signature) {
    if (rawPublic.length != KEY_BYTES
        || signature.length != SIGNATURE_BYTES
        || !isStrictPublicKey(rawPublic)
        || !Ed25519Encodings.isCanonicalPoint(signature, 0)
        || Ed25519Encodings.hasSmallOrder(signature, 0)
        || !Ed25519Encodings.isCanonicalScalar(signature, KEY_BYTES)) {
      return false;
    }
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(publicFromRaw(rawPublic));
      s.update(message);
      return s.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false; // not a valid key or point, or a malformed signature
    }
  }
}
