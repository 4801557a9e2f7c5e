package dev.gretun.core.wire.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.wire.WireFormatException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class RelayBindTest {
  private static final HexFormat HEX = HexFormat.of();

  private static byte[] filled(int n, int b) {
    byte[] out = new byte[n];
    Arrays.fill(out, (byte) b);
    return out;
  }

  private static RelayBind sample() {
    return new RelayBind(
        filled(32, 0x01),
        0x0102030405060708L,
        0xC000020A,
        3480,
        List.of(new RelayBind.Entry(filled(32, 0x02), 0xDEADBEEF)));
  }

  private static final String SAMPLE_HEX =
      "47524c42" // magic GRLB
          + "01" // version
          + "01" // one entry
          + "0000"
          + "01".repeat(32) // node key
          + "0102030405060708" // timestamp
          + "c000020a" // 192.0.2.10
          + "0d98" // 3480
          + "0000"
          + "02".repeat(32) // peer node key
          + "deadbeef" // GRE key
          + "55".repeat(64); // signature

  @Test
  void encodesByteForByte() {
    assertEquals(SAMPLE_HEX, HEX.formatHex(sample().encode(filled(64, 0x55))));
  }

  @Test
  void theSignatureCoversTheContextAndTheWholeBody() {
    byte[] tbs = sample().toBeSigned();
    assertEquals(
        HEX.formatHex("gretun relay bind v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
            + SAMPLE_HEX.substring(0, SAMPLE_HEX.length() - 128),
        HEX.formatHex(tbs));
  }

  @Test
  void decodesWhatItEncodes() {
    byte[] wire = HEX.parseHex(SAMPLE_HEX);
    RelayBind.Signed s = RelayBind.decode(wire, 0, wire.length);
    assertEquals(sample(), s.bind());
    assertArrayEquals(filled(64, 0x55), s.signature());
    assertArrayEquals(sample().toBeSigned(), s.signedBytes());
  }

  @Test
  void decodesAtAnOffsetAndWithoutEntries() {
    RelayBind empty = new RelayBind(filled(32, 7), 5, 0x7F000001, 1, List.of());
    byte[] enc = empty.encode(filled(64, 9));
    assertEquals(RelayBind.HEADER + RelayBind.SIGNATURE, enc.length);
    byte[] padded = new byte[enc.length + 10];
    System.arraycopy(enc, 0, padded, 3, enc.length);
    assertEquals(empty, RelayBind.decode(padded, 3, enc.length).bind());
  }

  @Test
  void refusesMalformedDatagrams() {
    byte[] good = HEX.parseHex(SAMPLE_HEX);
    assertReason(WireFormatException.Reason.TRUNCATED, Arrays.copyOf(good, 119));
    assertReason(WireFormatException.Reason.BAD_LENGTH, Arrays.copyOf(good, good.length - 1));
    assertReason(WireFormatException.Reason.BAD_LENGTH, Arrays.copyOf(good, good.length + 1));
    assertReason(WireFormatException.Reason.BAD_MAGIC, with(good, 0, 'g'));
    assertReason(WireFormatException.Reason.BAD_VERSION, with(good, 4, 2));
    assertReason(WireFormatException.Reason.BAD_LENGTH, with(good, 5, 33));
    assertReason(WireFormatException.Reason.BAD_LENGTH, with(good, 5, 2));
    assertReason(WireFormatException.Reason.BAD_FLAGS, with(good, 7, 1));
    assertReason(WireFormatException.Reason.BAD_FLAGS, with(good, 55, 1));
    assertReason(WireFormatException.Reason.BAD_FIELD, with(with(good, 52, 0), 53, 0));
  }

  @Test
  void refusesMoreThanThirtyTwoEntriesWhenBuilding() {
    List<RelayBind.Entry> many = new ArrayList<>();
    for (int i = 0; i < 33; i++) {
      many.add(new RelayBind.Entry(filled(32, i), i + 1));
    }
    assertThrows(IllegalArgumentException.class, () -> new RelayBind(filled(32, 1), 1, 1, 1, many));
  }

  @Test
  void isBindLooksAtTheMagicOnly() {
    byte[] good = HEX.parseHex(SAMPLE_HEX);
    assertTrue(RelayBind.isBind(good, 0, good.length));
    assertFalse(RelayBind.isBind(new byte[] {0x20, 0, 8, 0, 1, 2, 3, 4}, 0, 8));
    assertFalse(RelayBind.isBind(good, 0, 3));
  }

  private static byte[] with(byte[] b, int at, int value) {
    byte[] c = b.clone();
    c[at] = (byte) value;
    return c;
  }

  private static void assertReason(WireFormatException.Reason r, byte[] b) {
    WireFormatException e =
        assertThrows(WireFormatException.class, () -> RelayBind.decode(b, 0, b.length));
    assertEquals(r, e.reason(), e.getMessage());
  }
}
