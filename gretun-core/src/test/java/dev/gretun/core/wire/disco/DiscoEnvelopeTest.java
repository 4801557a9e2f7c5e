package dev.gretun.core.wire.disco;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.crypto.NaclBox;
import dev.gretun.core.crypto.X25519;
import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.WireFormatException.Reason;
import dev.gretun.core.wire.disco.DiscoMessage.CallMeMaybe;
import dev.gretun.core.wire.disco.DiscoMessage.Ping;
import dev.gretun.core.wire.disco.DiscoMessage.Pong;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class DiscoEnvelopeTest {
  static final byte[] A_SK =
      HexFormat.of().parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  static final byte[] B_SK =
      HexFormat.of().parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  static final byte[] A_PK = X25519.publicKey(A_SK);
  static final byte[] B_PK = X25519.publicKey(B_SK);
  static final String NODE_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
  static final DiscoTxId TX = DiscoTxId.fromHex("000102030405060708090a0b");
  static final long TS = 1_700_000_000_123L;

  private final SecureRandom random = new SecureRandom();

  static InetSocketAddress addr(String ip, int port) throws Exception {
    return new InetSocketAddress(InetAddress.getByName(ip), port);
  }

  static List<DiscoMessage> samples() throws Exception {
    return List.of(
        new Ping(TX, NODE_KEY),
        new Pong(TX, addr("203.0.113.7", 7777)),
        new Pong(TX, addr("198.51.100.1", 41641)),
        new CallMeMaybe(List.of(addr("192.0.2.1", 7777), addr("198.51.100.2", 7777))),
        new CallMeMaybe(List.of()));
  }

  @Test
  void jsonBodiesAreExactlyAsDocumented() throws Exception {
    assertEquals(
        "{\"type\":\"ping\",\"v\":2,\"ts\":1700000000123,\"tx\":\"000102030405060708090a0b\","
            + "\"node_key\":\""
            + NODE_KEY
            + "\"}",
        new String(DiscoBody.encode(new Ping(TX, NODE_KEY), TS), StandardCharsets.UTF_8));
    assertEquals(
        "{\"type\":\"pong\",\"v\":2,\"ts\":1700000000123,\"tx\":\"000102030405060708090a0b\","
            + "\"src\":\"198.51.100.1:41641\"}",
        new String(
            DiscoBody.encode(new Pong(TX, addr("198.51.100.1", 41641)), TS),
            StandardCharsets.UTF_8));
    assertEquals(
        "{\"type\":\"call_me_maybe\",\"v\":2,\"ts\":1700000000123,"
            + "\"endpoints\":[\"192.0.2.1:7777\"]}",
        new String(
            DiscoBody.encode(new CallMeMaybe(List.of(addr("192.0.2.1", 7777))), TS),
            StandardCharsets.UTF_8));
  }

  @Test
  void sealOpenRoundTripAndLayout() throws Exception {
    byte[] kAB = NaclBox.beforenm(B_PK, A_SK);
    byte[] kBA = NaclBox.beforenm(A_PK, B_SK);
    for (DiscoMessage m : samples()) {
      byte[] env = DiscoEnvelope.seal(m, TS, A_PK, kAB, random);
      byte[] body = DiscoBody.encode(m, TS);
      assertEquals(62 + 16 + body.length, env.length);
      assertEquals("5453f09f92ac", HexFormat.of().formatHex(env, 0, 6));
      assertArrayEquals(A_PK, Arrays.copyOfRange(env, 6, 38));
      // The box at offset 62 is exactly crypto_box(body, nonce) for the pair.
      byte[] nonce = Arrays.copyOfRange(env, 38, 62);
      assertArrayEquals(
          NaclBox.box(body, nonce, B_PK, A_SK), Arrays.copyOfRange(env, 62, env.length));
      assertTrue(DiscoEnvelope.isDisco(env, 0, env.length));
      DiscoEnvelope.Opened opened = DiscoEnvelope.open(env, 0, env.length, kBA);
      assertEquals(m, opened.message());
      assertEquals(TS, opened.sentAtMillis());
      assertArrayEquals(nonce, opened.nonce());
      assertEquals(
          m,
          DiscoEnvelope.open(env, 0, env.length, k -> Arrays.equals(k, A_PK) ? kBA : null)
              .message());
    }
  }

  @Test
  void nonceIsFreshEachTime() throws Exception {
    byte[] k = NaclBox.beforenm(B_PK, A_SK);
    byte[] e1 = DiscoEnvelope.seal(new Ping(TX, NODE_KEY), TS, A_PK, k, random);
    byte[] e2 = DiscoEnvelope.seal(new Ping(TX, NODE_KEY), TS, A_PK, k, random);
    assertFalse(Arrays.equals(e1, 38, 62, e2, 38, 62));
  }

  private static Reason rejectBody(String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return assertThrows(WireFormatException.class, () -> DiscoBody.decode(b, 0, b.length)).reason();
  }

  @Test
  void strictBodyDecoding() throws Exception {
    assertEquals(Reason.MALFORMED_JSON, rejectBody("{\"type\":\"ping\""));
    assertEquals(Reason.MALFORMED_JSON, rejectBody("[1,2]"));
    assertEquals(Reason.MALFORMED_JSON, rejectBody("{\"type\":\"pong\"} {}"));
    assertEquals(
        Reason.MALFORMED_JSON,
        rejectBody("{\"type\":\"ping\",\"type\":\"pong\",\"tx\":\"000102030405060708090a0b\"}"));
    assertEquals(Reason.BAD_TYPE, rejectBody("{\"type\":\"derp\",\"v\":2,\"ts\":1}"));
    assertEquals(Reason.BAD_FIELD, rejectBody("{\"tx\":\"000102030405060708090a0b\"}"));
    assertEquals(
        Reason.BAD_FIELD,
        rejectBody(
            "{\"type\":\"ping\",\"v\":2,\"ts\":1,\"tx\":\"0001\",\"node_key\":\""
                + NODE_KEY
                + "\"}"));
    assertEquals(
        Reason.BAD_FIELD,
        rejectBody(
            "{\"type\":\"ping\",\"v\":2,\"ts\":1,\"tx\":\"000102030405060708090a0b\",\"node_key\":\"AAEC\"}"));
    assertEquals(
        Reason.BAD_FIELD,
        rejectBody(
            "{\"type\":\"pong\",\"v\":2,\"ts\":1,\"tx\":\"000102030405060708090a0b\",\"src\":\"example.com:1\"}"));
    assertEquals(
        Reason.BAD_FIELD,
        rejectBody(
            "{\"type\":\"pong\",\"v\":2,\"ts\":1,\"tx\":\"000102030405060708090a0b\",\"src\":\"1.2.3.4:0\"}"));
    assertEquals(
        Reason.BAD_FIELD,
        rejectBody(
            "{\"type\":\"pong\",\"v\":2,\"ts\":1,\"tx\":\"000102030405060708090a0b\",\"src\":\"2001:db8::1:80\"}"));
    assertEquals(
        Reason.BAD_FIELD,
        rejectBody("{\"type\":\"call_me_maybe\",\"v\":2,\"ts\":1,\"endpoints\":[7]}"));
    String many = "\"1.2.3.4:5\",".repeat(33);
    assertEquals(
        Reason.BAD_FIELD,
        rejectBody(
            "{\"type\":\"call_me_maybe\",\"v\":2,\"ts\":1,\"endpoints\":["
                + many.substring(0, many.length() - 1)
                + "]}"));
    byte[] big = new byte[DiscoBody.MAX_BODY_BYTES + 1];
    assertEquals(
        Reason.TOO_LARGE,
        assertThrows(WireFormatException.class, () -> DiscoBody.decode(big, 0, big.length))
            .reason());
    // Unknown extra fields are tolerated (forward compatibility).
    byte[] extra =
        "{\"type\":\"pong\",\"v\":2,\"ts\":1,\"tx\":\"000102030405060708090a0b\",\"src\":\"1.2.3.4:5\",\"ttl\":2}"
            .getBytes(StandardCharsets.UTF_8);
    assertEquals(
        new Pong(TX, addr("1.2.3.4", 5)), DiscoBody.decode(extra, 0, extra.length).message());
    // Version 2 needs v = 2 and ts (Unix milliseconds, an integer >= 0).
    String pong = "\"tx\":\"000102030405060708090a0b\",\"src\":\"1.2.3.4:5\"}";
    assertEquals(Reason.BAD_VERSION, rejectBody("{\"type\":\"pong\",\"ts\":1," + pong));
    assertEquals(Reason.BAD_VERSION, rejectBody("{\"type\":\"pong\",\"v\":1,\"ts\":1," + pong));
    assertEquals(Reason.BAD_VERSION, rejectBody("{\"type\":\"pong\",\"v\":\"2\",\"ts\":1," + pong));
    assertEquals(Reason.BAD_FIELD, rejectBody("{\"type\":\"pong\",\"v\":2," + pong));
    assertEquals(Reason.BAD_FIELD, rejectBody("{\"type\":\"pong\",\"v\":2,\"ts\":-1," + pong));
    assertEquals(Reason.BAD_FIELD, rejectBody("{\"type\":\"pong\",\"v\":2,\"ts\":1.5," + pong));
    assertEquals(Reason.BAD_FIELD, rejectBody("{\"type\":\"pong\",\"v\":2,\"ts\":\"1\"," + pong));
    assertEquals(
        Reason.BAD_FIELD,
        rejectBody("{\"type\":\"pong\",\"v\":2,\"ts\":99999999999999999999," + pong));
    byte[] ok = ("{\"type\":\"pong\",\"v\":2,\"ts\":42," + pong).getBytes(StandardCharsets.UTF_8);
    assertEquals(42, DiscoBody.decode(ok, 0, ok.length).sentAtMillis());
  }

  private static Reason rejectEnvelope(byte[] env, byte[] key) {
    return assertThrows(
            WireFormatException.class, () -> DiscoEnvelope.open(env, 0, env.length, key))
        .reason();
  }

  @Test
  void envelopeRejections() throws Exception {
    byte[] kAB = NaclBox.beforenm(B_PK, A_SK);
    byte[] env = DiscoEnvelope.seal(new Ping(TX, NODE_KEY), TS, A_PK, kAB, random);
    assertEquals(Reason.TRUNCATED, rejectEnvelope(Arrays.copyOf(env, 77), kAB));
    byte[] badMagic = env.clone();
    badMagic[0] = 'X';
    assertEquals(Reason.BAD_MAGIC, rejectEnvelope(badMagic, kAB));
    byte[] flipped = env.clone();
    flipped[env.length - 1] ^= 1;
    assertEquals(Reason.AUTH_FAILED, rejectEnvelope(flipped, kAB));
    byte[] wrongKey = NaclBox.beforenm(B_PK, X25519.generatePrivate(random));
    assertEquals(Reason.AUTH_FAILED, rejectEnvelope(env, wrongKey));
    assertEquals(Reason.TOO_LARGE, rejectEnvelope(new byte[DiscoEnvelope.MAX_LENGTH + 1], kAB));
    assertEquals(
        Reason.UNKNOWN_SENDER,
        assertThrows(
                WireFormatException.class, () -> DiscoEnvelope.open(env, 0, env.length, k -> null))
            .reason());
    assertFalse(DiscoEnvelope.isDisco(env, 0, 77));
    assertFalse(DiscoEnvelope.isDisco(badMagic, 0, badMagic.length));
  }

  @Test
  void endpointsText() throws Exception {
    assertEquals("203.0.113.7:7777", Endpoints.format(addr("203.0.113.7", 7777)));
    assertThrows(IllegalArgumentException.class, () -> Endpoints.parse("[2001:db8::1]:9"));
    assertThrows(IllegalArgumentException.class, () -> Endpoints.parse("[1.2.3.4]:9"));
    assertThrows(IllegalArgumentException.class, () -> Endpoints.parse("1.2.3.4:+9"));
    assertThrows(IllegalArgumentException.class, () -> Endpoints.parse("1.2.3.4"));
  }
}
