package dev.gretun.core.wire.stun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.wire.WireFormatException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing: 100 000+ random and mutated datagrams. Only {@link WireFormatException} may
 * escape, and whatever parses must re-encode to something that parses to the same message.
 */
class StunFuzzTest {
  static final int ROUNDS = 120_000;

  @Test
  void onlyTheDeclaredExceptionEscapes() throws Exception {
    SplittableRandom rnd = new SplittableRandom(0x5EED_57A7L);
    List<byte[]> seeds =
        List.of(
            StunMessageTest.SAMPLE_REQUEST,
            StunMessageTest.SAMPLE_IPV4_RESPONSE,
            StunMessageTest.SAMPLE_IPV6_RESPONSE,
            StunMessage.bindingRequest(TransactionId.random(rnd)).encode(),
            // No FINGERPRINT, so mutations reach the attribute decoders instead of failing the CRC.
            new StunMessage(
                    Stun.BINDING_ERROR,
                    TransactionId.random(rnd),
                    List.of(
                        new StunAttribute.MappedAddress(
                            new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 7777),
                            true),
                        new StunAttribute.MappedAddress(
                            new InetSocketAddress(InetAddress.getByName("192.0.2.9"), 1), false),
                        new StunAttribute.Software("fuzz"),
                        new StunAttribute.ErrorCode(438, "Stale Nonce"),
                        new StunAttribute.Opaque(0x8029, new byte[8])))
                .encode());
    int parsed = 0;
    for (int i = 0; i < ROUNDS; i++) {
      byte[] input = mutate(rnd, seeds.get(rnd.nextInt(seeds.size())), i);
      try {
        StunMessage m = StunMessage.parse(input, 0, input.length);
        parsed++;
        byte[] again = m.encode();
        assertEquals(m, StunMessage.parse(again, 0, again.length));
      } catch (WireFormatException expected) {
        // the only allowed failure
      }
    }
    assertTrue(parsed > 0, "the mutator should leave some inputs valid");
  }

  /**
   * A random datagram (every 4th round) or a mutated seed with its length field kept consistent.
   */
  static byte[] mutate(SplittableRandom rnd, byte[] seed, int round) {
    if (round % 4 == 0) {
      byte[] b = new byte[rnd.nextInt(64)];
      rnd.nextBytes(b);
      if (b.length >= 8 && rnd.nextBoolean()) { // make it pass the cheap check more often
        b[0] &= 0x3F;
        b[4] = 0x21;
        b[5] = 0x12;
        b[6] = (byte) 0xA4;
        b[7] = 0x42;
      }
      return b;
    }
    byte[] b = seed.clone();
    int edits = 1 + rnd.nextInt(4);
    for (int e = 0; e < edits; e++) {
      switch (rnd.nextInt(5)) {
        case 0 -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        case 1 -> b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
        case 2 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
        case 3 -> {
          byte[] longer = Arrays.copyOf(b, b.length + 4 * (1 + rnd.nextInt(4)));
          for (int j = b.length; j < longer.length; j++) {
            longer[j] = (byte) rnd.nextInt(256);
          }
          b = longer;
        }
        default -> {
          if (b.length > 24) { // corrupt an attribute length byte
            b[20 + 4 * rnd.nextInt((b.length - 20) / 4) + 3] = (byte) rnd.nextInt(256);
          }
        }
      }
      if (b.length == 0) {
        return b;
      }
    }
    if (b.length >= 4 && rnd.nextInt(3) > 0) { // keep the header length consistent most times
      int body = b.length - 20;
      b[2] = (byte) (body >>> 8);
      b[3] = (byte) body;
    }
    return b;
  }
}
