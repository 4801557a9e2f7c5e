package dev.gretun.core.coord;

import dev.gretun.core.keys.Ed25519Keys;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The signature every coordinator request carries (docs/PROTOCOL.md, "Coordinator HTTP API").
 *
 * <p>Signed bytes, UTF-8, fields joined by LF:
 *
 * <pre>
 * gretun-coord-v2
 * &lt;unix seconds&gt;
 * &lt;nonce, base64 of 16 random bytes&gt;
 * &lt;METHOD&gt;
 * &lt;Host header, lowercased&gt;
 * &lt;request target: raw path plus "?query" when present&gt;
 * &lt;lowercase hex SHA-256 of the body&gt;
 * </pre>
 *
 * Unlike upstream, the query string is covered, and a per-request nonce makes two identical
 * requests in the same second distinguishable (Ed25519 signatures are deterministic), so the server
 * can refuse any signature it has already seen. The Host is covered so that a request signed for
 * one coordinator cannot be replayed to another that knows the same node.
 */
public final class RequestAuth {
  public static final String HEADER_NODE = "X-Gretun-Node";
  public static final String HEADER_TIMESTAMP = "X-Gretun-Timestamp";
  public static final String HEADER_NONCE = "X-Gretun-Nonce";
  public static final String HEADER_AUTHORIZATION = "Authorization";
  public static final String SCHEME = "Gretun ";
  public static final String DOMAIN = "gretun-coord-v2";
  public static final int NONCE_BYTES = 16;

  private RequestAuth() {}

  /** The exact bytes that are signed. */
  public static byte[] signedBytes(
      long unixSeconds, String nonce, String method, String host, String target, byte[] body) {
    String text =
        DOMAIN
            + '\n'
            + unixSeconds
            + '\n'
            + nonce
            + '\n'
            + method
            + '\n'
            + host.toLowerCase(Locale.ROOT)
            + '\n'
            + target
            + '\n'
            + HexFormat.of().formatHex(sha256(body));
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Ed25519 signature (64 bytes) over {@link #signedBytes}. */
  public static byte[] sign(
      PrivateKey key,
      long unixSeconds,
      String nonce,
      String method,
      String host,
      String target,
      byte[] body) {
    return Ed25519Keys.sign(key, signedBytes(unixSeconds, nonce, method, host, target, body));
  }

  /**
   * The Host header the JDK's HTTP client sends for {@code uri} (host, plus ":port" unless the port
   * is absent or the scheme's default), which is what the client must sign.
   */
  public static String hostHeader(URI uri) {
    int port = uri.getPort();
    int defaultPort = "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    return port == -1 || port == defaultPort ? uri.getHost() : uri.getHost() + ":" + port;
  }

  /** True when {@code signature} is a valid signature of the request by {@code rawNodeKey}. */
  public static boolean verify(
      byte[] rawNodeKey,
      byte[] signature,
      long unixSeconds,
      String nonce,
      String method,
      String host,
      String target,
      byte[] body) {
    return Ed25519Keys.verify(
        rawNodeKey, signedBytes(unixSeconds, nonce, method, host, target, body), signature);
  }

  public static byte[] sha256(byte[] body) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(body);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
