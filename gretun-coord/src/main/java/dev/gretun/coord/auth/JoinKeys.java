package dev.gretun.coord.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Join key text: {@code gjk-<id>-<secret>}, id = 8 lowercase hex digits (shown by {@code keys
 * list}), secret = 24 random bytes in unpadded base64url. Only SHA-256 of the whole text is stored.
 */
public final class JoinKeys {
  private static final Pattern FORMAT = Pattern.compile("gjk-([0-9a-f]{8})-[A-Za-z0-9_-]{32}");

  private JoinKeys() {}

  /** A fresh key text for {@code id}. */
  public static String newSecret(String id, SecureRandom random) {
    byte[] secret = new byte[24];
    random.nextBytes(secret);
    return "gjk-" + id + "-" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  public static String newId(SecureRandom random) {
    byte[] id = new byte[4];
    random.nextBytes(id);
    return HexFormat.of().formatHex(id);
  }

  /** The id inside a key text, or null when the text is not a join key. */
  public static String idOf(String text) {
    if (text == null) {
      return null;
    }
    var m = FORMAT.matcher(text);
    return m.matches() ? m.group(1) : null;
  }

  public static byte[] hash(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Constant-time comparison of a presented key with a stored hash. */
  public static boolean matches(String text, byte[] storedHash) {
    return MessageDigest.isEqual(hash(text), storedHash);
  }
}
