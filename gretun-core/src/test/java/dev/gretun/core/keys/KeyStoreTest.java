package dev.gretun.core.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gretun.core.GretunException;
import dev.gretun.core.crypto.X25519;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyStoreTest {
  @TempDir Path tmp;
  private final SecureRandom random = new SecureRandom();

  @Test
  void generatesOnFirstUseWithStrictModesThenReloadsTheSameKeys() throws Exception {
    Path dir = tmp.resolve("state/gretun");
    NodeKeys first = KeyStore.loadOrCreate(dir, random);
    Path file = KeyStore.keyFile(dir);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary files left behind");
    }
    JsonNode json = new ObjectMapper().readTree(file.toFile());
    assertEquals(1, json.get("format").asInt());
    assertArrayEquals(
        first.discoPublic(), Base64.getDecoder().decode(json.get("disco_public").asText()));
    NodeKeys again = KeyStore.loadOrCreate(dir, random);
    assertEquals(first, again);
    assertArrayEquals(X25519.publicKey(again.discoPrivate()), again.discoPublic());
  }

  @Test
  void refusesGroupOrWorldReadableFileWithTheFix() throws Exception {
    KeyStore.loadOrCreate(tmp, random);
    Path file = KeyStore.keyFile(tmp);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    GretunException e =
        assertThrows(GretunException.class, () -> KeyStore.loadOrCreate(tmp, random));
    assertEquals("key_file_permissions", e.code());
    assertTrue(e.getMessage().contains("chmod 600 " + file), e.getMessage());
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw----r--"));
    assertThrows(GretunException.class, () -> KeyStore.loadOrCreate(tmp, random));
  }

  @Test
  void refusesMismatchedOrMalformedKeys() throws Exception {
    NodeKeys keys = KeyStore.loadOrCreate(tmp, random);
    Path file = KeyStore.keyFile(tmp);
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode o = (ObjectNode) mapper.readTree(file.toFile());
    o.put("disco_public", Base64.getEncoder().encodeToString(new byte[32]));
    Files.writeString(file, mapper.writeValueAsString(o));
    GretunException e = assertThrows(GretunException.class, () -> KeyStore.load(file));
    assertEquals("key_file_invalid", e.code());
    assertTrue(e.getMessage().contains("disco_public does not match"), e.getMessage());

    o.put("disco_public", Base64.getEncoder().encodeToString(keys.discoPublic()));
    o.put(
        "node_public", Base64.getEncoder().encodeToString(KeyStore.generate(random).nodePublic()));
    Files.writeString(file, mapper.writeValueAsString(o));
    assertTrue(
        assertThrows(GretunException.class, () -> KeyStore.load(file))
            .getMessage()
            .contains("node_public does not match"));

    Files.writeString(file, "{\"format\":1,\"node_private\":\"AAE=\"}");
    assertEquals(
        "key_file_invalid", assertThrows(GretunException.class, () -> KeyStore.load(file)).code());
    Files.write(file, "not json".getBytes(StandardCharsets.UTF_8));
    assertEquals(
        "key_file_invalid", assertThrows(GretunException.class, () -> KeyStore.load(file)).code());
  }

  @Test
  void ed25519RawSignAndVerify() {
    // RFC 8032 §7.1 TEST 1: empty message.
    HexFormat hex = HexFormat.of();
    byte[] seed = hex.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    byte[] pub = hex.parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    byte[] sig = Ed25519Keys.sign(seed, new byte[0]);
    assertEquals(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        hex.formatHex(sig));
    assertTrue(Ed25519Keys.verify(pub, new byte[0], sig));
    assertFalse(Ed25519Keys.verify(pub, new byte[] {1}, sig));
    Ed25519Keys.RawKeyPair kp = Ed25519Keys.generate(random);
    byte[] msg = "hello".getBytes(StandardCharsets.US_ASCII);
    assertTrue(Ed25519Keys.verify(kp.publicKey(), msg, Ed25519Keys.sign(kp.seed(), msg)));
    assertFalse(Ed25519Keys.verify(pub, msg, Ed25519Keys.sign(kp.seed(), msg)));
  }

  @Test
  void toStringHidesSecrets() {
    NodeKeys keys = KeyStore.generate(random);
    assertFalse(keys.toString().contains(Base64.getEncoder().encodeToString(keys.nodePrivate())));
    assertEquals(8, keys.shortString().length());
  }
}
