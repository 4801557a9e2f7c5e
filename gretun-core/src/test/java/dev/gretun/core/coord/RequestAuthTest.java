package dev.gretun.core.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.keys.Ed25519Keys;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RequestAuthTest {
  private static final byte[] EMPTY = new byte[0];
  private static final String NONCE = Base64.getEncoder().encodeToString(new byte[16]);
  private static final String H = "127.0.0.1:8443";

  @Test
  void signedBytesAreExact() {
    String expected =
        "gretun-coord-v2\n1700000000\nAAAAAAAAAAAAAAAAAAAAAA==\nGET\ncoord.example.net:8443\n"
            + "/v1/peers?cursor=ab-3\n"
            + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assertEquals(
        expected,
        new String(
            RequestAuth.signedBytes(
                1700000000L,
                NONCE,
                "GET",
                "Coord.Example.NET:8443",
                "/v1/peers?cursor=ab-3",
                EMPTY),
            StandardCharsets.UTF_8));
  }

  @Test
  void hostHeaderIsWhatTheJdkClientSends() {
    assertEquals("127.0.0.1:8443", RequestAuth.hostHeader(URI.create("http://127.0.0.1:8443/x")));
    assertEquals("coord", RequestAuth.hostHeader(URI.create("http://coord:80/v1/peers")));
    assertEquals("coord", RequestAuth.hostHeader(URI.create("https://coord:443/")));
    assertEquals("coord:80", RequestAuth.hostHeader(URI.create("https://coord:80/")));
    assertEquals("coord", RequestAuth.hostHeader(URI.create("https://coord/")));
    assertEquals("[::1]:8443", RequestAuth.hostHeader(URI.create("http://[::1]:8443/")));
  }

  @Test
  void generatedKeysConvertAndVerify() {
    KeyPair kp = Ed25519Keys.generate();
    byte[] raw = Ed25519Keys.rawPublic(kp.getPublic());
    assertEquals(32, raw.length);
    byte[] body = "{\"x\":1}".getBytes(StandardCharsets.UTF_8);
    byte[] sig = RequestAuth.sign(kp.getPrivate(), 5, NONCE, "POST", H, "/v1/signal", body);
    assertEquals(64, sig.length);
    assertTrue(RequestAuth.verify(raw, sig, 5, NONCE, "POST", H, "/v1/signal", body));
    assertFalse(RequestAuth.verify(raw, sig, 6, NONCE, "POST", H, "/v1/signal", body));
    assertFalse(RequestAuth.verify(raw, sig, 5, NONCE, "POST", H, "/v1/endpoints", body));
    assertFalse(RequestAuth.verify(raw, sig, 5, NONCE, "POST", H, "/v1/signal", EMPTY));
    assertFalse(RequestAuth.verify(raw, sig, 5, NONCE, "POST", "evil:8443", "/v1/signal", body));
    byte[] other = Ed25519Keys.rawPublic(Ed25519Keys.generate().getPublic());
    assertFalse(RequestAuth.verify(other, sig, 5, NONCE, "POST", H, "/v1/signal", body));
  }

  @Test
  void decodeKeyRejectsBadInput() {
    assertThrows(IllegalArgumentException.class, () -> CoordWire.decodeKey("k", "!!", 32));
    assertThrows(
        IllegalArgumentException.class,
        () -> CoordWire.decodeKey("k", Base64.getEncoder().encodeToString(new byte[31]), 32));
    assertThrows(IllegalArgumentException.class, () -> CoordWire.decodeKey("k", null, 32));
  }

  /** Headers of one signed request. */
  private static Map<String, String> signed(KeyPair kp, long ts, String nonce, String target) {
    byte[] sig = RequestAuth.sign(kp.getPrivate(), ts, nonce, "GET", H, target, EMPTY);
    Map<String, String> h = new HashMap<>();
    h.put(RequestAuth.HEADER_NODE, CoordWire.b64(Ed25519Keys.rawPublic(kp.getPublic())));
    h.put(RequestAuth.HEADER_TIMESTAMP, Long.toString(ts));
    h.put(RequestAuth.HEADER_NONCE, nonce);
    h.put(RequestAuth.HEADER_AUTHORIZATION, "Gretun " + Base64.getEncoder().encodeToString(sig));
    return h;
  }

  /** Verify, then remember (what the coordinator does once it knows the node). */
  private static RequestVerifier.Failure check(
      RequestVerifier v, Map<String, String> headers, String target) {
    RequestVerifier.Result r = v.verify(headers::get, "GET", H, target, EMPTY);
    return r.ok() ? v.remember(r) : r.failure();
  }

  @Test
  void verifierChecksWindowReplayAndHeaders() {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.ofEpochSecond(1_000_000));
    InstantSource clock = now::get;
    RequestVerifier v = new RequestVerifier(clock, Duration.ofSeconds(60), 100);
    KeyPair kp = Ed25519Keys.generate();

    Map<String, String> ok = signed(kp, 1_000_000, NONCE, "/v1/peers");
    assertTrue(check(v, ok, "/v1/peers") == null);
    assertEquals(RequestVerifier.Failure.REPLAYED, check(v, ok, "/v1/peers"));

    // Exactly 60 s off passes; 61 s is stale.
    String n2 =
        Base64.getEncoder()
            .encodeToString(new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    assertTrue(check(v, signed(kp, 999_940, n2, "/x"), "/x") == null);
    assertEquals(RequestVerifier.Failure.STALE, check(v, signed(kp, 999_939, NONCE, "/x"), "/x"));
    assertEquals(RequestVerifier.Failure.STALE, check(v, signed(kp, 1_000_061, NONCE, "/x"), "/x"));

    Map<String, String> tampered = signed(kp, 1_000_000, n2, "/v1/peers");
    tampered.put(
        RequestAuth.HEADER_NODE,
        CoordWire.b64(Ed25519Keys.rawPublic(Ed25519Keys.generate().getPublic())));
    assertEquals(RequestVerifier.Failure.BAD_SIGNATURE, check(v, tampered, "/v1/peers"));

    Map<String, String> missing = new HashMap<>(ok);
    missing.remove(RequestAuth.HEADER_NONCE);
    assertEquals(RequestVerifier.Failure.MISSING_AUTH, check(v, missing, "/v1/peers"));
    Map<String, String> scheme = new HashMap<>(ok);
    scheme.put(RequestAuth.HEADER_AUTHORIZATION, "Bearer x");
    assertEquals(RequestVerifier.Failure.BAD_SCHEME, check(v, scheme, "/v1/peers"));
    Map<String, String> ts = new HashMap<>(ok);
    ts.put(RequestAuth.HEADER_TIMESTAMP, "soon");
    assertEquals(RequestVerifier.Failure.BAD_TIMESTAMP, check(v, ts, "/v1/peers"));
  }

  @Test
  void replayMemoryForgetsAfterWindowAndIsBounded() {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.ofEpochSecond(1_000_000));
    RequestVerifier v = new RequestVerifier(now::get, Duration.ofSeconds(60), 2);
    KeyPair kp = Ed25519Keys.generate();
    for (int i = 0; i < 2; i++) {
      String n =
          Base64.getEncoder()
              .encodeToString(
                  new byte[] {(byte) i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
      assertTrue(check(v, signed(kp, 1_000_000, n, "/a"), "/a") == null);
    }
    String n3 = Base64.getEncoder().encodeToString(new byte[16]);
    assertEquals(RequestVerifier.Failure.BUSY, check(v, signed(kp, 1_000_000, n3, "/a"), "/a"));
    now.set(Instant.ofEpochSecond(1_000_061));
    assertTrue(check(v, signed(kp, 1_000_061, n3, "/a"), "/a") == null);
    assertEquals(1, v.remembered());
  }

  @Test
  void timestampsFarInThePastOrFutureAreStaleWithoutOverflow() {
    RequestVerifier v =
        new RequestVerifier(() -> Instant.ofEpochSecond(1_000_000), Duration.ofSeconds(60), 100);
    KeyPair kp = Ed25519Keys.generate();
    // now - 2^63 wraps around: Math.abs(now - ts) was negative, so this passed the window and,
    // expiring "before" now, was forgotten at once: replayable forever.
    long wrapped = 1_000_000L + Long.MIN_VALUE;
    for (long ts :
        new long[] {wrapped, Long.MIN_VALUE, Long.MAX_VALUE, 1_000_000L - Long.MAX_VALUE}) {
      assertEquals(RequestVerifier.Failure.STALE, check(v, signed(kp, ts, NONCE, "/a"), "/a"));
    }
    assertEquals(0, v.remembered());
  }

  @Test
  void verificationAloneRemembersNothing() {
    RequestVerifier v =
        new RequestVerifier(() -> Instant.ofEpochSecond(1_000_000), Duration.ofSeconds(60), 100);
    Map<String, String> h = signed(Ed25519Keys.generate(), 1_000_000, NONCE, "/a");
    for (int i = 0; i < 3; i++) {
      assertTrue(v.verify(h::get, "GET", H, "/a", EMPTY).ok());
    }
    assertEquals(0, v.remembered());
    RequestVerifier.Result r = v.verify(h::get, "GET", H, "/a", EMPTY);
    assertEquals(null, v.remember(r));
    assertEquals(RequestVerifier.Failure.REPLAYED, v.remember(r));
    assertEquals(1, v.remembered());
  }

  @Test
  void smallOrderNodeKeyIsRefusedBeforeTheSignature() {
    RequestVerifier v =
        new RequestVerifier(() -> Instant.ofEpochSecond(1_000_000), Duration.ofSeconds(60), 100);
    Map<String, String> h = signed(Ed25519Keys.generate(), 1_000_000, NONCE, "/a");
    byte[] identity = new byte[32];
    identity[0] = 1;
    h.put(RequestAuth.HEADER_NODE, CoordWire.b64(identity));
    assertEquals(RequestVerifier.Failure.WEAK_NODE_KEY, check(v, h, "/a"));
  }

  @Test
  void backoffGrowsWithinBoundsAndResets() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), new java.util.Random(1));
    long prevCeiling = 100;
    for (int i = 0; i < 10; i++) {
      long d = b.nextDelay().toMillis();
      long ceiling = Math.min(2000, 100L << i);
      assertTrue(d >= 100 && d <= ceiling, "delay " + d + " ceiling " + ceiling);
      prevCeiling = ceiling;
    }
    assertEquals(2000, prevCeiling);
    b.reset();
    assertEquals(100, b.nextDelay().toMillis());
  }
}
