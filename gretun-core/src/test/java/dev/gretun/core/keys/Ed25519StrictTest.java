package dev.gretun.core.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.junit.jupiter.api.Test;

/**
 * Strict verification (libsodium's rules) against the forgeries the JDK's permissive EdDSA lets
 * through: small-order public keys, small-order R, S &ge; L, non-canonical encodings.
 */
class Ed25519StrictTest {
  private static final BigInteger L =
      BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
  private static final byte[] MSG = "POST /v1/endpoints".getBytes(StandardCharsets.UTF_8);

  /** Every blocklist entry, with and without the sign bit: the 14 small-order encodings. */
  private static List<byte[]> smallOrderEncodings() {
    List<byte[]> all = new ArrayList<>();
    for (byte[] e : Ed25519Encodings.smallOrderEncodings()) {
      all.add(e);
      byte[] high = e.clone();
      high[31] |= (byte) 0x80;
      all.add(high);
    }
    return all;
  }

  private static BigInteger le(byte[] b, int off, int len) {
    byte[] be = new byte[len];
    for (int i = 0; i < len; i++) {
      be[i] = b[off + len - 1 - i];
    }
    return new BigInteger(1, be);
  }

  private static byte[] le32(BigInteger v) {
    byte[] out = new byte[32];
    byte[] be = v.toByteArray();
    for (int i = 0; i < Math.min(32, be.length); i++) {
      out[i] = be[be.length - 1 - i];
    }
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] sha512(byte[]... parts) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-512");
    for (byte[] p : parts) {
      d.update(p);
    }
    return d.digest();
  }

  /** The secret scalar a of a seed (RFC 8032 §5.1.5): public key = [a]B. */
  private static BigInteger secretScalar(byte[] seed) throws Exception {
    byte[] h = Arrays.copyOf(sha512(seed), 32);
    h[0] &= (byte) 0xf8;
    h[31] &= 0x7f;
    h[31] |= 0x40;
    return le(h, 0, 32);
  }

  private static boolean jdkVerify(byte[] rawPublic, byte[] msg, byte[] sig) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(Ed25519Keys.publicFromRaw(rawPublic));
      s.update(msg);
      return s.verify(sig);
    } catch (Exception e) {
      return false;
    }
  }

  private static byte[] identityForgery() {
    return Ed25519Forgery.universalSignature();
  }

  @Test
  void identityKeyForgeryIsAcceptedByTheJdkAndRefusedHere() throws Exception {
    byte[] identity = new byte[32];
    identity[0] = 1;
    byte[] sig = identityForgery();
    for (String m : List.of("", "GET /v1/peers", "anything at all")) {
      byte[] msg = m.getBytes(StandardCharsets.UTF_8);
      assertTrue(jdkVerify(identity, msg, sig), "the attack works on the JDK alone");
      assertFalse(Ed25519Keys.verify(identity, msg, sig));
    }
    assertFalse(Ed25519Keys.isStrictPublicKey(identity));
    assertFalse(Ed25519Keys.isValidPublicKey(identity));
  }

  @Test
  void everySmallOrderEncodingIsRefusedAsPublicKey() throws Exception {
    byte[] sig = identityForgery();
    List<byte[]> all = smallOrderEncodings();
    assertEquals(14, all.size());
    for (byte[] a : all) {
      String hex = HexFormat.of().formatHex(a);
      assertFalse(Ed25519Keys.isStrictPublicKey(a), hex);
      assertFalse(Ed25519Keys.isValidPublicKey(a), hex);
      assertFalse(Ed25519Keys.verify(a, MSG, sig), hex);
      assertFalse(Ed25519.validatePublicKeyFull(a, 0), "Bouncy Castle agrees: " + hex);
    }
  }

  @Test
  void theBlocklistNamesRealCurvePointsThatBouncyCastleAlsoRefuses() {
    // Canonical entries are y-coordinates of curve points: x^2 = (y^2 - 1) / (d y^2 + 1) must be
    // a square mod p (Euler's criterion). Entries 5 and 6 are p and p + 1, aliases of 0 and 1.
    BigInteger p = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    BigInteger d =
        BigInteger.valueOf(-121665).multiply(BigInteger.valueOf(121666).modInverse(p)).mod(p);
    List<byte[]> entries = Ed25519Encodings.smallOrderEncodings();
    for (int i = 0; i < entries.size(); i++) {
      byte[] e = entries.get(i);
      String hex = HexFormat.of().formatHex(e);
      boolean canonical = Ed25519Encodings.isCanonicalPoint(e, 0);
      assertEquals(i < 5, canonical, hex);
      BigInteger y = le(e, 0, 32).mod(p);
      BigInteger y2 = y.multiply(y);
      BigInteger x2 =
          y2.subtract(BigInteger.ONE).multiply(d.multiply(y2).add(BigInteger.ONE).modInverse(p));
      x2 = x2.mod(p);
      boolean square =
          x2.signum() == 0
              || x2.modPow(p.subtract(BigInteger.ONE).shiftRight(1), p).equals(BigInteger.ONE);
      assertTrue(square, "on the curve: " + hex);
      assertFalse(Ed25519.validatePublicKeyPartial(e, 0), "Bouncy Castle refuses " + hex);
    }
  }

  @Test
  void smallOrderRIsRefusedEvenWhenTheEquationHolds() throws Exception {
    // The key owner can make R the identity: S = k·a, so [S]B = [k]A = R + [k]A with R = O.
    KeyPair kp = Ed25519Keys.generate();
    byte[] a = Ed25519Keys.rawPublic(kp.getPublic());
    byte[] r = new byte[32];
    r[0] = 1;
    BigInteger k = le(sha512(r, a, MSG), 0, 64).mod(L);
    byte[] s = le32(k.multiply(secretScalar(Ed25519Keys.seed(kp.getPrivate()))).mod(L));
    byte[] sig = concat(r, s);
    assertTrue(jdkVerify(a, MSG, sig), "the JDK accepts a small-order R");
    assertFalse(Ed25519Keys.verify(a, MSG, sig));
    for (byte[] small : smallOrderEncodings()) {
      assertFalse(Ed25519Keys.verify(a, MSG, concat(small, s)));
    }
  }

  @Test
  void scalarAtOrAboveTheGroupOrderIsRefused() {
    KeyPair kp = Ed25519Keys.generate();
    byte[] a = Ed25519Keys.rawPublic(kp.getPublic());
    byte[] sig = Ed25519Keys.sign(kp.getPrivate(), MSG);
    assertTrue(Ed25519Keys.verify(a, MSG, sig));
    BigInteger s = le(sig, 32, 32);
    byte[] malleated = concat(Arrays.copyOf(sig, 32), le32(s.add(L)));
    assertFalse(Ed25519Keys.verify(a, MSG, malleated));
    assertFalse(Ed25519Encodings.isCanonicalScalar(le32(L), 0));
    assertTrue(Ed25519Encodings.isCanonicalScalar(le32(L.subtract(BigInteger.ONE)), 0));
  }

  @Test
  void nonCanonicalPointEncodingsAreRefused() {
    BigInteger p = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    for (int d = 0; d < 19; d++) {
      byte[] e = le32(p.add(BigInteger.valueOf(d)));
      assertFalse(Ed25519Encodings.isCanonicalPoint(e, 0), "p+" + d);
      e[31] |= (byte) 0x80;
      assertFalse(Ed25519Encodings.isCanonicalPoint(e, 0), "p+" + d + " with sign bit");
      assertFalse(Ed25519Keys.isStrictPublicKey(e));
    }
    assertTrue(Ed25519Encodings.isCanonicalPoint(le32(p.subtract(BigInteger.ONE)), 0));
    // A valid signature with R swapped for a non-canonical encoding no longer verifies.
    KeyPair kp = Ed25519Keys.generate();
    byte[] sig = Ed25519Keys.sign(kp.getPrivate(), MSG);
    byte[] bad = concat(le32(p.add(BigInteger.TWO)), Arrays.copyOfRange(sig, 32, 64));
    assertFalse(Ed25519Keys.verify(Ed25519Keys.rawPublic(kp.getPublic()), MSG, bad));
  }

  @Test
  void normalKeysAndSignaturesStillVerify() {
    for (int i = 0; i < 50; i++) {
      KeyPair kp = Ed25519Keys.generate();
      byte[] a = Ed25519Keys.rawPublic(kp.getPublic());
      assertTrue(Ed25519Keys.isValidPublicKey(a));
      assertTrue(Ed25519Keys.verify(a, MSG, Ed25519Keys.sign(kp.getPrivate(), MSG)));
    }
  }
}
