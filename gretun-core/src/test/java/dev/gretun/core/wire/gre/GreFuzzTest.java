package dev.gretun.core.wire.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.wire.WireFormatException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** 100 000+ random and mutated GRE packets: only {@link WireFormatException} escapes. */
class GreFuzzTest {
  @Test
  void onlyTheDeclaredExceptionEscapes() {
    SplittableRandom rnd = new SplittableRandom(0x6E5EEDL);
    int parsed = 0;
    for (int i = 0; i < 120_000; i++) {
      byte[] b = new byte[rnd.nextInt(24)];
      rnd.nextBytes(b);
      if (b.length >= 2 && rnd.nextBoolean()) {
        b[0] &= (byte) 0xB0; // keep only C, K, S so more inputs reach the option parsing
        b[1] &= (byte) 0xF8;
      }
      int off = b.length == 0 ? 0 : rnd.nextInt(b.length);
      int len = b.length - off;
      boolean looks = GreHeader.looksLike(b, off, len);
      try {
        GreHeader h = GreHeader.parse(b, off, len);
        parsed++;
        assertTrue(looks, "parse accepted what looksLike rejected");
        byte[] again = new byte[h.length()];
        h.encodeTo(again, 0);
        if (!h.checksumPresent()) {
          assertEquals(h, GreHeader.parse(again, 0, again.length));
        }
      } catch (WireFormatException expected) {
        // the only allowed failure
      }
    }
    assertTrue(parsed > 1000);
  }
}
