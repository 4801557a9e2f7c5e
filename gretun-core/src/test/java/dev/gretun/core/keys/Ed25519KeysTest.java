package dev.gretun.core.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Ed25519KeysTest {
  // RFC 8032 §7.1 TEST 1.
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] SEED =
      HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  private static final byte[] PUB =
      HEX.parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");

  @Test
  void rfc8032TestVector1SignsAndVerifies() {
    byte[] sig = Ed25519Keys.sign(Ed25519Keys.privateFromSeed(SEED), new byte[0]);
    assertEquals(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        HEX.formatHex(sig));
    assertTrue(Ed25519Keys.verify(PUB, new byte[0], sig));
    assertFalse(Ed25519Keys.verify(PUB, new byte[] {1}, sig));
  }

  @Test
  void rfc8032TestVector1PublicKeyRoundTrips() {
    assertArrayEquals(PUB, Ed25519Keys.rawPublic(Ed25519Keys.publicFromRaw(PUB)));
    KeyPair kp = Ed25519Keys.keyPair(SEED, PUB);
    assertArrayEquals(SEED, Ed25519Keys.seed(kp.getPrivate()));
    assertArrayEquals(PUB, Ed25519Keys.rawPublic(kp.getPublic()));
  }

  @Test
  void generatedKeysSignAndVerify() {
    KeyPair kp = Ed25519Keys.generate(new SecureRandom());
    byte[] raw = Ed25519Keys.rawPublic(kp.getPublic());
    byte[] msg = "hello".getBytes(StandardCharsets.US_ASCII);
    assertTrue(Ed25519Keys.verify(raw, msg, Ed25519Keys.sign(kp.getPrivate(), msg)));
    assertFalse(Ed25519Keys.verify(PUB, msg, Ed25519Keys.sign(kp.getPrivate(), msg)));
    byte[] viaSeed =
        Ed25519Keys.sign(Ed25519Keys.privateFromSeed(Ed25519Keys.seed(kp.getPrivate())), msg);
    assertTrue(Ed25519Keys.verify(raw, msg, viaSeed));
  }

  @Test
  void malformedInputIsRefused() {
    byte[] sig = Ed25519Keys.sign(Ed25519Keys.privateFromSeed(SEED), new byte[0]);
    assertFalse(Ed25519Keys.verify(new byte[31], new byte[0], sig));
    assertFalse(Ed25519Keys.verify(PUB, new byte[0], new byte[63]));
    assertThrows(IllegalArgumentException.class, () -> Ed25519Keys.publicFromRaw(new byte[31]));
    assertThrows(IllegalArgumentException.class, () -> Ed25519Keys.privateFromSeed(new byte[31]));
  }
}
