package dev.gretun.core.keys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gretun.core.GretunException;
import dev.gretun.core.crypto.X25519;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the node's keys from {@code <state dir>/keys.json}, generating and storing them on first
 * use (format in docs/PROTOCOL.md "Key file format"). The directory is created with mode 0700, the
 * file is written with mode 0600 atomically (temporary file, fsync, rename, fsync of the
 * directory), and an existing file that group or others may read or write is refused.
 */
public final class KeyStore {
  public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/gretun");
  public static final String FILE_NAME = "keys.json";
  static final int FORMAT = 1;
  private static final int MAX_FILE_BYTES = 64 * 1024;
  private static final Logger LOG = LoggerFactory.getLogger(KeyStore.class);
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");

  private KeyStore() {}

  /** The key file inside {@code stateDir}. */
  public static Path keyFile(Path stateDir) {
    return stateDir.resolve(FILE_NAME);
  }

  /** Loads the keys, or generates and stores them if the file does not exist. */
  public static NodeKeys loadOrCreate(Path stateDir, SecureRandom random) {
    Path file = keyFile(stateDir);
    try {
      return load(file);
    } catch (NoSuchFileException missing) {
      NodeKeys keys = generate(random);
      store(stateDir, keys);
      LOG.info("keys_generated file={} node={}", file, keys.shortString());
      return keys;
    } catch (AccessDeniedException e) {
      throw new GretunException(
          "permission",
          "cannot read " + file + ": permission denied (run as root or fix ownership)",
          e);
    } catch (IOException e) {
      throw new GretunException("io", "cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  public static NodeKeys generate(SecureRandom random) {
    KeyPair node = Ed25519Keys.generate(random);
    byte[] discoPrivate = X25519.generatePrivate(random);
    return new NodeKeys(
        Ed25519Keys.seed(node.getPrivate()),
        Ed25519Keys.rawPublic(node.getPublic()),
        discoPrivate,
        X25519.publicKey(discoPrivate));
  }

  /** Reads and checks an existing key file. NoSuchFileException when it does not exist. */
  public static NodeKeys load(Path file) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    Set<PosixFilePermission> extra = copyOf(perms);
    extra.removeAll(OWNER_ONLY_FILE);
    extra.remove(PosixFilePermission.OWNER_EXECUTE);
    if (!extra.isEmpty()) {
      throw new GretunException(
          "key_file_permissions",
          "key file "
              + file
              + " is accessible to group or others (mode "
              + PosixFilePermissions.toString(perms)
              + "); fix it with: chmod 600 "
              + file);
    }
    if (Files.size(file) > MAX_FILE_BYTES) {
      throw invalid(file, "larger than " + MAX_FILE_BYTES + " bytes");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw invalid(file, "not JSON");
    }
    if (root == null || !root.isObject() || root.path("format").asInt(-1) != FORMAT) {
      throw invalid(file, "expected a JSON object with \"format\": " + FORMAT);
    }
    NodeKeys keys =
        new NodeKeys(
            key(file, root, "node_private"),
            key(file, root, "node_public"),
            key(file, root, "disco_private"),
            key(file, root, "disco_public"));
    // Public halves must belong to the private halves (upstream never checked).
    if (!Arrays.equals(X25519.publicKey(keys.discoPrivate()), keys.discoPublic())) {
      throw invalid(file, "disco_public does not match disco_private");
    }
    byte[] probe = "gretun key check".getBytes(StandardCharsets.US_ASCII);
    byte[] signature = Ed25519Keys.sign(Ed25519Keys.privateFromSeed(keys.nodePrivate()), probe);
    if (!Ed25519Keys.verify(keys.nodePublic(), probe, signature)) {
      throw invalid(file, "node_public does not match node_private");
    }
    return keys;
  }

  private static Set<PosixFilePermission> copyOf(Set<PosixFilePermission> perms) {
    Set<PosixFilePermission> s = java.util.EnumSet.noneOf(PosixFilePermission.class);
    s.addAll(perms);
    return s;
  }

  /** Writes {@code keys} to {@code <stateDir>/keys.json} atomically, mode 0600. */
  public static void store(Path stateDir, NodeKeys keys) {
    Path file = keyFile(stateDir);
    Path tmp = null;
    try {
      if (!Files.isDirectory(stateDir)) {
        Files.createDirectories(stateDir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        Files.setPosixFilePermissions(stateDir, OWNER_ONLY_DIR); // the umask may have masked bits
      }
      ObjectNode o = MAPPER.createObjectNode();
      Base64.Encoder b64 = Base64.getEncoder();
      o.put("format", FORMAT);
      o.put("node_private", b64.encodeToString(keys.nodePrivate()));
      o.put("node_public", b64.encodeToString(keys.nodePublic()));
      o.put("disco_private", b64.encodeToString(keys.discoPrivate()));
      o.put("disco_public", b64.encodeToString(keys.discoPublic()));
      byte[] json = (MAPPER.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8);
      tmp =
          Files.createTempFile(
              stateDir, ".keys-", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(json);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      tmp = null;
      fsyncDirectory(stateDir);
    } catch (AccessDeniedException e) {
      throw new GretunException(
          "permission",
          "cannot write keys in "
              + stateDir
              + ": permission denied (run as root or pass another"
              + " state directory)",
          e);
    } catch (IOException e) {
      throw new GretunException("io", "cannot write " + file + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort cleanup of our own temporary file
        }
      }
    }
  }

  /** Makes the rename durable (Linux allows fsync on a directory opened read-only). */
  private static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      LOG.debug("state_dir_fsync_skipped dir={} error={}", dir, e.toString());
    }
  }

  private static byte[] key(Path file, JsonNode root, String field) {
    JsonNode n = root.get(field);
    if (n == null || !n.isTextual()) {
      throw invalid(file, "missing field " + field);
    }
    byte[] k;
    try {
      k = Base64.getDecoder().decode(n.asText());
    } catch (IllegalArgumentException e) {
      throw invalid(file, field + " is not base64");
    }
    if (k.length != 32) {
      throw invalid(file, field + " is " + k.length + " bytes, expected 32");
    }
    return k;
  }

  private static GretunException invalid(Path file, String why) {
    return new GretunException(
        "key_file_invalid",
        "key file "
            + file
            + " is invalid: "
            + why
            + " (restore it from a backup, or move it away"
            + " to generate new keys: peers will then see a new node)");
  }
}
