package dev.gretun.core.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.security.InvalidKeyException;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class NaclBoxTest {
  private static final HexFormat HEX = HexFormat.of();

  // RFC 7748 §6.1 keys; libsodium test/default/box.c + box.exp (the NaCl paper's example).
  static final byte[] ALICE_SK =
      HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  static final byte[] ALICE_PK =
      HEX.parseHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  static final byte[] BOB_SK =
      HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  static final byte[] BOB_PK =
      HEX.parseHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  static final byte[] NONCE = HEX.parseHex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37");
  static final byte[] MESSAGE =
      HEX.parseHex(
          "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffc"
              + "e5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb31"
              + "0e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde"
              + "048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f93776384864"
              + "5e0705");
  static final byte[] BOX =
      HEX.parseHex(
          "f3ffc7703f9400e52a7dfb4b3d3305d9"
              + "8e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186a"
              + "c0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738"
              + "b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da"
              + "99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74"
              + "e355a5");

  @Test
  void rfc7748SharedSecretAndPublicKeys() throws Exception {
    assertEquals(
        "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
        HEX.formatHex(X25519.sharedSecret(ALICE_SK, BOB_PK)));
    assertArrayEquals(ALICE_PK, X25519.publicKey(ALICE_SK));
    assertArrayEquals(BOB_PK, X25519.publicKey(BOB_SK));
  }

  @Test
  void libsodiumBoxVector() throws Exception {
    assertArrayEquals(BOX, NaclBox.box(MESSAGE, NONCE, BOB_PK, ALICE_SK));
    assertArrayEquals(MESSAGE, NaclBox.boxOpen(BOX, NONCE, ALICE_PK, BOB_SK));
    // crypto_box_beforenm, as in libsodium's box.c
    assertEquals(
        "1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389",
        HEX.formatHex(NaclBox.beforenm(BOB_PK, ALICE_SK)));
  }

  @Test
  void smallOrderPublicKeyIsRefused() {
    // libsodium box.c: this small-order point makes crypto_box fail.
    byte[] smallOrder =
        HEX.parseHex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
    assertThrows(InvalidKeyException.class, () -> NaclBox.beforenm(smallOrder, ALICE_SK));
  }

  @Test
  void tamperingAndWrongKeysFailToOpen() throws Exception {
    byte[] k = NaclBox.beforenm(ALICE_PK, BOB_SK);
    for (int i = 0; i < BOX.length; i += 7) {
      byte[] bad = BOX.clone();
      bad[i] ^= 0x01;
      assertThrows(
          NaclBox.AuthenticationException.class, () -> NaclBox.open(k, NONCE, bad, 0, bad.length));
    }
    byte[] other =
        NaclBox.beforenm(X25519.publicKey(X25519.generatePrivate(new SecureRandom())), BOB_SK);
    assertThrows(
        NaclBox.AuthenticationException.class,
        () -> NaclBox.open(other, NONCE, BOX, 0, BOX.length));
    assertThrows(NaclBox.AuthenticationException.class, () -> NaclBox.open(k, NONCE, BOX, 0, 15));
  }

  @Test
  void libsodiumGeneratedVectors() throws Exception {
    JsonNode root;
    try (InputStream in = NaclBoxTest.class.getResourceAsStream("nacl-box-vectors.json")) {
      root = new ObjectMapper().readTree(in);
    }
    int n = 0;
    for (JsonNode v : root.get("vectors")) {
      byte[] skA = hex(v, "sender_secret");
      byte[] pkA = hex(v, "sender_public");
      byte[] skB = hex(v, "recipient_secret");
      byte[] pkB = hex(v, "recipient_public");
      byte[] nonce = hex(v, "nonce");
      byte[] msg = hex(v, "message");
      byte[] box = hex(v, "box");
      assertArrayEquals(pkA, X25519.publicKey(skA));
      assertArrayEquals(pkB, X25519.publicKey(skB));
      byte[] shared = NaclBox.beforenm(pkB, skA);
      assertArrayEquals(hex(v, "shared_key"), shared);
      assertArrayEquals(shared, NaclBox.beforenm(pkA, skB), "both sides derive the same key");
      assertArrayEquals(box, NaclBox.seal(shared, nonce, msg));
      assertArrayEquals(msg, NaclBox.open(shared, nonce, box, 0, box.length));
      n++;
    }
    assertTrue(n >= 10, "vectors loaded: " + n);
  }

  private static byte[] hex(JsonNode v, String field) {
    return HEX.parseHex(v.get(field).asText());
  }
}
