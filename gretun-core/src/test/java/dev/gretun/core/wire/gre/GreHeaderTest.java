package dev.gretun.core.wire.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.WireFormatException.Reason;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GreHeaderTest {
  static final HexFormat HEX = HexFormat.ofDelimiter(" ");

  static Stream<Arguments> vectors() {
    return Stream.of(
        // As captured from the kernel's gre+FOU (docs/NAT-TRAVERSAL.md §3.8): keyless and keyed.
        Arguments.of(
            "keyless ipv4", new GreHeader(0x0800, false, 0, false, 0, false, 0), "00 00 08 00"),
        Arguments.of(
            "keyed ipv4", GreHeader.keyed(GreHeader.PROTO_IPV4, 7), "20 00 08 00 00 00 00 07"),
        Arguments.of(
            "keyed ipv6",
            GreHeader.keyed(GreHeader.PROTO_IPV6, 0xCAFEBABE),
            "20 00 86 dd ca fe ba be"),
        Arguments.of(
            "key and sequence",
            new GreHeader(0x0800, false, 0, true, 1, true, 0x01020304),
            "30 00 08 00 00 00 00 01 01 02 03 04"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void byteExact(String name, GreHeader h, String hex) throws Exception {
    byte[] out = new byte[h.length()];
    assertEquals(h.length(), h.encodeTo(out, 0));
    assertEquals(hex, HEX.formatHex(out));
    byte[] bytes = HEX.parseHex(hex);
    assertEquals(h, GreHeader.parse(bytes, 0, bytes.length));
  }

  @Test
  void fastPathMatchesRecordEncoding() {
    byte[] a = new byte[12];
    byte[] b = new byte[12];
    assertEquals(8, GreHeader.encodeKeyed(a, 2, GreHeader.PROTO_IPV4, 0x01020304));
    GreHeader.keyed(GreHeader.PROTO_IPV4, 0x01020304).encodeTo(b, 2);
    assertEquals(HEX.formatHex(b), HEX.formatHex(a));
  }

  @Test
  void checksumIsFilledAndVerified() throws Exception {
    GreHeader h = new GreHeader(0x0800, true, 0, true, 42, false, 0);
    byte[] pkt = new byte[h.length() + 5];
    h.encodeTo(pkt, 0);
    pkt[12] = 0x45;
    pkt[16] = 0x7F; // odd-length payload exercises the last-byte rule
    GreHeader.fillChecksum(pkt, 0, pkt.length);
    GreHeader parsed = GreHeader.parse(pkt, 0, pkt.length);
    assertTrue(parsed.checksumPresent());
    assertEquals(42, parsed.key());
    assertNotEquals(0, parsed.checksum());
    pkt[13] ^= 1;
    assertEquals(
        Reason.BAD_CHECKSUM,
        assertThrows(WireFormatException.class, () -> GreHeader.parse(pkt, 0, pkt.length))
            .reason());
  }

  private static Reason reject(String hex) {
    byte[] b = HEX.parseHex(hex);
    return assertThrows(WireFormatException.class, () -> GreHeader.parse(b, 0, b.length)).reason();
  }

  @Test
  void rejections() {
    assertEquals(Reason.TRUNCATED, reject("20 00 08"));
    assertEquals(Reason.TRUNCATED, reject("20 00 08 00 00 00"));
    assertEquals(Reason.BAD_VERSION, reject("00 01 08 00")); // version 1 = PPTP's enhanced GRE
    assertEquals(Reason.BAD_FLAGS, reject("40 00 08 00")); // routing present (RFC 1701)
    assertEquals(Reason.BAD_VERSION, reject("54 53 f0 9f")); // disco magic is never GRE
  }

  @Test
  void segmentFastPathWritesAndReadsTheKeyedHeader() {
    try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
      java.lang.foreign.MemorySegment seg = arena.allocate(16);
      GreHeader.write(seg, 2, 0xCAFEF00D);
      byte[] bytes =
          seg.asSlice(2, GreHeader.HEADER).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
      assertEquals("20 00 08 00 ca fe f0 0d", HEX.formatHex(bytes));
      assertTrue(GreHeader.isKeyedIpv4(seg, 2, GreHeader.HEADER));
      assertFalse(GreHeader.isKeyedIpv4(seg, 2, GreHeader.HEADER - 1));
      assertFalse(GreHeader.isKeyedIpv4(seg, 0, GreHeader.HEADER));
      assertEquals(0xCAFEF00D, GreHeader.key(seg, 2));
      assertEquals(0x2000_0800, GreHeader.beInt(seg, 2));
    }
  }
}
