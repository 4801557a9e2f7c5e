package dev.gretun.core.wire.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The one RFC 1071 implementation gives the same answer through every entry point. */
class ChecksumsTest {
  /** RFC 1071 §4.1, word by word. */
  private static int reference(byte[] b, int off, int len, long acc) {
    long sum = acc;
    for (int i = 0; i < len; i += 2) {
      int hi = b[off + i] & 0xff;
      int lo = i + 1 < len ? b[off + i + 1] & 0xff : 0;
      sum += (hi << 8) | lo;
    }
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xffff) + (sum >>> 16);
    }
    return ~(int) sum & 0xffff;
  }

  @Test
  void everyEntryPointAgreesWithTheReference() {
    SplittableRandom random = new SplittableRandom(12);
    for (int n = 0; n < 2_000; n++) {
      byte[] b = new byte[random.nextInt(1, 200)];
      random.nextBytes(b);
      int off = random.nextInt(b.length);
      int len = random.nextInt(b.length - off + 1);
      long pseudo = Checksums.pseudoHeader(random.nextInt(), random.nextInt(), 17, len);
      int expected = reference(b, off, len, 0);
      assertEquals(expected, Checksums.internet(b, off, len));
      assertEquals(
          expected,
          Checksums.finish(Checksums.sum(MemorySegment.ofArray(b), off, len, 0)) & 0xffff);
      assertEquals(
          reference(b, off, len, pseudo), Checksums.internet(ByteBuffer.wrap(b), off, len, pseudo));
      ByteBuffer direct = ByteBuffer.allocateDirect(b.length).put(b);
      assertEquals(expected, Checksums.internet(direct, off, len, 0));
    }
  }

  @Test
  void byteBufferOffsetsAreAbsoluteWhateverThePosition() {
    byte[] b = {0, 0, 0x01, 0x02, 0x03, 0x04, 0x05};
    ByteBuffer buf = ByteBuffer.wrap(b).position(5);
    assertEquals(reference(b, 2, 4, 0), Checksums.internet(buf, 2, 4, 0));
    ByteBuffer slice = ByteBuffer.wrap(b, 1, 6).slice(); // array offset 1
    assertEquals(reference(b, 2, 4, 0), Checksums.internet(slice, 1, 4, 0));
  }
}
