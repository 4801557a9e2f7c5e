package dev.gretun.core.coord;

import dev.gretun.core.keys.Ed25519Keys;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Server side of {@link RequestAuth}, in two steps. {@link #verify} checks headers, the timestamp
 * window and the signature (strictly, see {@link Ed25519Keys#verify}); the caller then checks that
 * the key may act (a registered node, or a usable join key for registration) and only then calls
 * {@link #remember}, which refuses a signature already seen inside the window. So neither forged
 * requests nor requests by unknown keys can fill the replay memory. Thread-safe.
 */
public final class RequestVerifier {
  /** Why a request was refused; {@link #code} is the wire error code. */
  public enum Failure {
    MISSING_AUTH(
        "unauthenticated",
        "missing X-Gretun-Node, X-Gretun-Timestamp, X-Gretun-Nonce or Authorization header"),
    BAD_SCHEME("bad_auth", "Authorization must be 'Gretun <base64 signature>'"),
    BAD_NODE_KEY("bad_auth", "X-Gretun-Node must be base64 of a 32-byte Ed25519 public key"),
    WEAK_NODE_KEY(
        "weak_node_key", "X-Gretun-Node is a small-order or non-canonically encoded point"),
    BAD_SIGNATURE_ENCODING("bad_auth", "signature must be base64 of 64 bytes"),
    BAD_NONCE("bad_auth", "X-Gretun-Nonce must be base64 of 16 bytes"),
    BAD_TIMESTAMP("bad_auth", "X-Gretun-Timestamp must be decimal unix seconds"),
    STALE("stale_timestamp", "timestamp outside the allowed window; check the node's clock"),
    BAD_SIGNATURE("bad_signature", "signature does not verify"),
    REPLAYED("replayed", "this signature was already used"),
    BUSY("busy", "too many signed requests in the window; retry later");

    public final String code;
    public final String message;

    Failure(String code, String message) {
      this.code = code;
      this.message = message;
    }
  }

  /**
   * Verification outcome: either the authenticated raw node key with the request's signature and
   * timestamp (Unix seconds), or a failure.
   */
  public record Result(byte[] nodeKey, byte[] signature, long timestamp, Failure failure) {
    public boolean ok() {
      return failure == null;
    }
  }

  /** Header lookup, so the verifier does not depend on an HTTP library. */
  @FunctionalInterface
  public interface Headers {
    String get(String name);
  }

  private final InstantSource clock;
  private final long windowSeconds;
  private final int maxRemembered;

  /** Signature (base64) -> expiry epoch second, in insertion order (roughly expiry order). */
  private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>();

  public RequestVerifier(InstantSource clock, Duration window, int maxRemembered) {
    this.clock = clock;
    this.windowSeconds = window.toSeconds();
    this.maxRemembered = maxRemembered;
  }

  /**
   * Checks the request's signature; {@code host} is its Host header ("" when absent). Does not
   * remember it: call {@link #remember} once the caller is known to be allowed.
   */
  public Result verify(Headers headers, String method, String host, String target, byte[] body) {
    String node = headers.get(RequestAuth.HEADER_NODE);
    String ts = headers.get(RequestAuth.HEADER_TIMESTAMP);
    String nonce = headers.get(RequestAuth.HEADER_NONCE);
    String auth = headers.get(RequestAuth.HEADER_AUTHORIZATION);
    if (node == null || ts == null || nonce == null || auth == null) {
      return fail(Failure.MISSING_AUTH);
    }
    if (!auth.startsWith(RequestAuth.SCHEME)) {
      return fail(Failure.BAD_SCHEME);
    }
    byte[] nodeKey;
    byte[] sig;
    try {
      nodeKey = CoordWire.decodeKey("node", node, Ed25519Keys.KEY_BYTES);
    } catch (IllegalArgumentException e) {
      return fail(Failure.BAD_NODE_KEY);
    }
    if (!Ed25519Keys.isStrictPublicKey(nodeKey)) {
      return fail(Failure.WEAK_NODE_KEY);
    }
    try {
      sig =
          CoordWire.decodeKey(
              "signature",
              auth.substring(RequestAuth.SCHEME.length()),
              Ed25519Keys.SIGNATURE_BYTES);
      CoordWire.decodeKey("nonce", nonce, RequestAuth.NONCE_BYTES);
    } catch (IllegalArgumentException e) {
      return fail(
          e.getMessage().startsWith("nonce") ? Failure.BAD_NONCE : Failure.BAD_SIGNATURE_ENCODING);
    }
    long seconds;
    try {
      seconds = Long.parseLong(ts);
    } catch (NumberFormatException e) {
      return fail(Failure.BAD_TIMESTAMP);
    }
    long now = clock.instant().getEpochSecond();
    // No subtraction involving the untrusted value: now - seconds overflows for seconds near
    // Long.MIN_VALUE, and Math.abs(Long.MIN_VALUE) is negative.
    if (seconds < now - windowSeconds || seconds > now + windowSeconds) {
      return fail(Failure.STALE);
    }
    if (!RequestAuth.verify(nodeKey, sig, seconds, nonce, method, host, target, body)) {
      return fail(Failure.BAD_SIGNATURE);
    }
    return new Result(nodeKey, sig, seconds, null);
  }

  /**
   * Enters a verified request's signature into the replay memory: null when it is new, {@link
   * Failure#REPLAYED} when it was seen inside the window, {@link Failure#BUSY} when the memory is
   * full.
   */
  public Failure remember(Result verified) {
    if (!verified.ok()) {
      throw new IllegalArgumentException("only verified requests are remembered");
    }
    long now = clock.instant().getEpochSecond();
    return remember(
        Base64.getEncoder().encodeToString(verified.signature()),
        verified.timestamp() + windowSeconds,
        now);
  }

  /** The replay window in seconds (how far a timestamp may be from the server's clock). */
  public long windowSeconds() {
    return windowSeconds;
  }

  /** Number of signatures currently remembered (for metrics and tests). */
  public synchronized int remembered() {
    return seen.size();
  }

  private synchronized Failure remember(String sig, long expiresAt, long now) {
    Iterator<Map.Entry<String, Long>> it = seen.entrySet().iterator();
    // Entries are inserted with expiry ~ now + window, so the head expires first; the clock skew
    // allowed per request only makes this approximate, which is fine for pruning.
    while (it.hasNext()) {
      Map.Entry<String, Long> e = it.next();
      if (e.getValue() >= now) {
        break;
      }
      it.remove();
    }
    if (seen.containsKey(sig)) {
      return Failure.REPLAYED;
    }
    if (seen.size() >= maxRemembered) {
      return Failure.BUSY;
    }
    seen.put(sig, expiresAt);
    return null;
  }

  private static Result fail(Failure f) {
    return new Result(null, null, 0, f);
  }
}
