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
  void toStringHidesSecrets() {
    NodeKeys keys = KeyStore.generate(random);
    assertFalse(keys.toString().contains(Base64.getEncoder().encodeToString(keys.nodePrivate())));
    assertEquals(8, keys.shortString().length());
  }
}
