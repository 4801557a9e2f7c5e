package dev.gretun.core.wire.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gretun.core.crypto.X25519;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PairKeyTest {
  private static final HexFormat HEX = HexFormat.of();

  /** RFC 7748 §6.1: Alice's and Bob's X25519 keys and their shared secret. */
  static final byte[] ALICE_SK =
      HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");

  static final byte[] ALICE_PK =
      HEX.parseHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  static final byte[] BOB_SK =
      HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  static final byte[] BOB_PK =
      HEX.parseHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  static final byte[] SHARED =
      HEX.parseHex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

  /**
   * Byte-exact vectors, computed independently (Python's hmac module): HMAC-SHA256(key = shared,
   * "gretun-gre-key-v2" ‖ lo ‖ hi), first 4 bytes.
   */
  @Test
  void derivationIsPinnedByTestVectors() {
    // full MAC c961c8ec42866c1a5ce0a3e4804d6ccdf7ea2937d13372e2773fec6d24e51bf9
    assertEquals(0xc961c8ec, PairKey.derive(SHARED, ALICE_PK, BOB_PK));
    // key 07×32, lo = 01×32, hi = 02×32: full MAC 70412edf264450f5...
    byte[] seven = filled(7);
    assertEquals(0x70412edf, PairKey.derive(seven, filled(1), filled(2)));
  }

  @Test
  void bothSidesComputeTheSameKeyFromTheirOwnSecret() throws Exception {
    byte[] aliceSide = X25519.sharedSecret(ALICE_SK, BOB_PK);
    byte[] bobSide = X25519.sharedSecret(BOB_SK, ALICE_PK);
    assertEquals(HEX.formatHex(SHARED), HEX.formatHex(aliceSide));
    assertEquals(
        PairKey.derive(aliceSide, ALICE_PK, BOB_PK), PairKey.derive(bobSide, BOB_PK, ALICE_PK));
    SecureRandom rnd = new SecureRandom();
    for (int i = 0; i < 200; i++) {
      byte[] x = X25519.generatePrivate(rnd);
      byte[] y = X25519.generatePrivate(rnd);
      byte[] xp = X25519.publicKey(x);
      byte[] yp = X25519.publicKey(y);
      int kx = PairKey.derive(X25519.sharedSecret(x, yp), xp, yp);
      assertEquals(kx, PairKey.derive(X25519.sharedSecret(y, xp), yp, xp));
      assertNotEquals(0, kx);
    }
  }

  @Test
  void thePublicKeysAloneDoNotGiveTheKey() {
    // What an off-path host could compute under v1 (public keys only) or with a guessed secret.
    int real = PairKey.derive(SHARED, ALICE_PK, BOB_PK);
    assertNotEquals(real, PairKey.derive(new byte[32], ALICE_PK, BOB_PK));
    assertNotEquals(real, PairKey.derive(ALICE_PK, ALICE_PK, BOB_PK));
    assertNotEquals(real, PairKey.derive(BOB_PK, ALICE_PK, BOB_PK));
  }

  @Test
  void wrongLengthsAreRefused() {
    assertThrows(
        IllegalArgumentException.class, () -> PairKey.derive(new byte[31], ALICE_PK, BOB_PK));
    assertThrows(
        IllegalArgumentException.class, () -> PairKey.derive(SHARED, new byte[33], BOB_PK));
  }

  private static byte[] filled(int v) {
    byte[] b = new byte[32];
    Arrays.fill(b, (byte) v);
    return b;
  }
}
