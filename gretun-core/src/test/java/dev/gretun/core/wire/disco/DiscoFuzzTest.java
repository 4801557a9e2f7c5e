package dev.gretun.core.wire.disco;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.crypto.NaclBox;
import dev.gretun.core.wire.WireFormatException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the envelope and the JSON body: 100 000+ random and mutated inputs, both as raw
 * datagrams and as properly sealed envelopes around mutated JSON (so the JSON decoder sees them).
 * Only {@link WireFormatException} may escape.
 */
class DiscoFuzzTest {
  static final int ROUNDS = 110_000;
  private static final String[] TOKENS = {
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\u0000",
    "\"type\"",
    "\"ping\"",
    "\"pong\"",
    "\"call_me_maybe\"",
    "\"tx\"",
    "\"src\"",
    "\"endpoints\"",
    "\"node_key\"",
    "null",
    "true",
    "1e999",
    "-0",
    "\"[::1]:1\"",
    "\"1.2.3.4:65536\"",
    "\uD83D\uDCAC",
    "\"\\uD800\"",
    "[[[[[[[["
  };

  @Test
  void onlyTheDeclaredExceptionEscapes() throws Exception {
    SplittableRandom rnd = new SplittableRandom(0xD15C0L);
    SecureRandom nonces = SecureRandom.getInstance("SHA1PRNG");
    nonces.setSeed(42);
    byte[] key = NaclBox.beforenm(DiscoEnvelopeTest.B_PK, DiscoEnvelopeTest.A_SK);
    List<DiscoMessage> samples = DiscoEnvelopeTest.samples();
    List<byte[]> bodies =
        samples.stream().map(m -> DiscoBody.encode(m, DiscoEnvelopeTest.TS)).toList();
    int decoded = 0;
    for (int i = 0; i < ROUNDS; i++) {
      byte[] body = mutateJson(rnd, bodies.get(rnd.nextInt(bodies.size())));
      byte[] input;
      if (i % 3 == 0) {
        // A raw datagram: random bytes or a mutated valid envelope.
        byte[] env =
            DiscoEnvelope.seal(
                samples.get(rnd.nextInt(samples.size())),
                DiscoEnvelopeTest.TS,
                DiscoEnvelopeTest.A_PK,
                key,
                nonces);
        input = mutateBytes(rnd, env);
      } else {
        input = sealRaw(body, key, nonces);
      }
      try {
        DiscoEnvelope.Opened o = DiscoEnvelope.open(input, 0, input.length, key);
        byte[] again = DiscoBody.encode(o.message(), o.sentAtMillis());
        assertEquals(o.message(), DiscoBody.decode(again, 0, again.length).message());
        decoded++;
      } catch (WireFormatException expected) {
        // the only allowed failure
      }
    }
    assertTrue(decoded > 0, "some inputs should survive mutation");
  }

  private static byte[] sealRaw(byte[] body, byte[] key, SecureRandom nonces) {
    byte[] out = new byte[DiscoEnvelope.MIN_LENGTH + body.length];
    System.arraycopy(DiscoEnvelope.MAGIC, 0, out, 0, 6);
    System.arraycopy(DiscoEnvelopeTest.A_PK, 0, out, 6, 32);
    byte[] nonce = new byte[24];
    nonces.nextBytes(nonce);
    System.arraycopy(nonce, 0, out, 38, 24);
    NaclBox.seal(key, nonce, body, 0, body.length, out, 62);
    return out;
  }

  private static byte[] mutateJson(SplittableRandom rnd, byte[] json) {
    String s = new String(json, StandardCharsets.UTF_8);
    int edits = rnd.nextInt(4);
    for (int e = 0; e < edits && !s.isEmpty(); e++) {
      int at = rnd.nextInt(s.length());
      s =
          switch (rnd.nextInt(3)) {
            case 0 -> s.substring(0, at) + TOKENS[rnd.nextInt(TOKENS.length)] + s.substring(at);
            case 1 ->
                s.substring(0, at) + s.substring(Math.min(s.length(), at + 1 + rnd.nextInt(8)));
            default -> s.substring(0, at) + (char) (32 + rnd.nextInt(95)) + s.substring(at + 1);
          };
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (rnd.nextInt(50) == 0) {
      b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256); // invalid UTF-8 too
    }
    return b;
  }

  private static byte[] mutateBytes(SplittableRandom rnd, byte[] b) {
    if (rnd.nextInt(4) == 0) {
      byte[] r = new byte[rnd.nextInt(200)];
      rnd.nextBytes(r);
      if (r.length >= 6 && rnd.nextBoolean()) {
        System.arraycopy(DiscoEnvelope.MAGIC, 0, r, 0, 6);
      }
      return r;
    }
    byte[] out = b.clone();
    switch (rnd.nextInt(3)) {
      case 0 -> out[rnd.nextInt(out.length)] ^= (byte) (1 << rnd.nextInt(8));
      case 1 -> out = Arrays.copyOf(out, rnd.nextInt(out.length + 1));
      default -> {} // unchanged: must open
    }
    return out;
  }
}
