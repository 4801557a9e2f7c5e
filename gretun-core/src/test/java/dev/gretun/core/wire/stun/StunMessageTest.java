package dev.gretun.core.wire.stun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.WireFormatException.Reason;
import dev.gretun.core.wire.stun.StunAttribute.ErrorCode;
import dev.gretun.core.wire.stun.StunAttribute.Fingerprint;
import dev.gretun.core.wire.stun.StunAttribute.MappedAddress;
import dev.gretun.core.wire.stun.StunAttribute.Opaque;
import dev.gretun.core.wire.stun.StunAttribute.Software;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Byte-exact tests against the RFC 5769 sample messages, plus hand-built edge cases. */
public class StunMessageTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final TransactionId RFC5769_TX = TransactionId.fromHex("b7e7a701bc34d686fa87dfae");

  /**
   * RFC 5769 §2.1 Sample Request (SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MI, FINGERPRINT).
   */
  public static final byte[] SAMPLE_REQUEST =
      hex(
          """
          00 01 00 58  21 12 a4 42  b7 e7 a7 01  bc 34 d6 86  fa 87 df ae
          80 22 00 10  53 54 55 4e  20 74 65 73  74 20 63 6c  69 65 6e 74
          00 24 00 04  6e 00 01 ff
          80 29 00 08  93 2f f9 b1  51 26 3b 36
          00 06 00 09  65 76 74 6a  3a 68 36 76  59 20 20 20
          00 08 00 14  9a ea a7 0c  bf d8 cb 56  78 1e f2 b5  b2 d3 f2 49  c1 b5 71 a2
          80 28 00 04  e5 7a 3b cf
          """);

  /** RFC 5769 §2.2 Sample IPv4 Response: 192.0.2.1:32853. */
  public static final byte[] SAMPLE_IPV4_RESPONSE =
      hex(
          """
          01 01 00 3c  21 12 a4 42  b7 e7 a7 01  bc 34 d6 86  fa 87 df ae
          80 22 00 0b  74 65 73 74  20 76 65 63  74 6f 72 20
          00 20 00 08  00 01 a1 47  e1 12 a6 43
          00 08 00 14  2b 91 f5 99  fd 9e 90 c3  8c 74 89 f9  2a f9 ba 53  f0 6b e7 d7
          80 28 00 04  c0 7d 4c 96
          """);

  /** RFC 5769 §2.3 Sample IPv6 Response: [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
  public static final byte[] SAMPLE_IPV6_RESPONSE =
      hex(
          """
          01 01 00 48  21 12 a4 42  b7 e7 a7 01  bc 34 d6 86  fa 87 df ae
          80 22 00 0b  74 65 73 74  20 76 65 63  74 6f 72 20
          00 20 00 14  00 02 a1 47  01 13 a9 fa  a5 d3 f1 79  bc 25 f4 b5  be d2 b9 d9
          00 08 00 14  a3 82 95 4e  4b e6 7b f1  17 84 c9 7c  82 92 c2 75  bf e3 ed 41
          80 28 00 04  c8 fb 0b 4c
          """);

  public static byte[] hex(String spaced) {
    return HEX.parseHex(spaced.replaceAll("\\s+", ""));
  }

  private static InetSocketAddress addr(String ip, int port) throws Exception {
    return new InetSocketAddress(InetAddress.getByName(ip), port);
  }

  @Test
  void sampleRequestParsesAndReencodesByteExact() throws Exception {
    StunMessage m = StunMessage.parse(SAMPLE_REQUEST, 0, SAMPLE_REQUEST.length);
    assertEquals(Stun.BINDING_REQUEST, m.type());
    assertEquals(RFC5769_TX, m.transactionId());
    assertEquals("STUN test client", m.software().orElseThrow());
    assertEquals(
        List.of(
            new Software("STUN test client"),
            new Opaque(0x0024, hex("6e0001ff")),
            new Opaque(0x8029, hex("932ff9b151263b36")),
            new Opaque(0x0006, "evtj:h6vY".getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
            new Opaque(0x0008, hex("9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2")),
            new Fingerprint()),
        m.attributes());
    // RFC 5769 pads with spaces; our encoder recomputes FINGERPRINT over the same bytes.
    assertArrayEquals(SAMPLE_REQUEST, m.encode((byte) 0x20));
  }

  @Test
  void sampleIpv4ResponseByteExact() throws Exception {
    StunMessage m = StunMessage.parse(SAMPLE_IPV4_RESPONSE, 0, SAMPLE_IPV4_RESPONSE.length);
    assertEquals(Stun.BINDING_SUCCESS, m.type());
    assertEquals(RFC5769_TX, m.transactionId());
    assertEquals(addr("192.0.2.1", 32853), m.mappedAddress().orElseThrow());
    assertEquals("test vector", m.software().orElseThrow());
    assertTrue(m.hasFingerprint());
    assertArrayEquals(SAMPLE_IPV4_RESPONSE, m.encode((byte) 0x20));
  }

  @Test
  void sampleIpv6ResponseByteExact() throws Exception {
    StunMessage m = StunMessage.parse(SAMPLE_IPV6_RESPONSE, 0, SAMPLE_IPV6_RESPONSE.length);
    assertEquals(
        addr("2001:db8:1234:5678:11:2233:4455:6677", 32853), m.mappedAddress().orElseThrow());
    assertArrayEquals(SAMPLE_IPV6_RESPONSE, m.encode((byte) 0x20));
  }

  @Test
  void builtResponseMatchesRfcXorBytes() throws Exception {
    // Our own encoder, built from values (not parsed), produces the RFC's XOR-MAPPED-ADDRESS bytes.
    StunMessage m =
        new StunMessage(
            Stun.BINDING_SUCCESS,
            RFC5769_TX,
            List.of(new MappedAddress(addr("2001:db8:1234:5678:11:2233:4455:6677", 32853), true)));
    assertEquals(
        "0101001821 12a442b7e7a701bc34d686fa87dfae".replace(" ", "")
            + "00200014"
            + "0002a147"
            + "0113a9faa5d3f179bc25f4b5bed2b9d9",
        HEX.formatHex(m.encode()));
  }

  @Test
  void bindingRequestWeSendIsHeaderPlusFingerprint() throws Exception {
    StunMessage req = StunMessage.bindingRequest(RFC5769_TX);
    byte[] b = req.encode();
    assertEquals(28, b.length);
    assertEquals("000100082112a442b7e7a701bc34d686fa87dfae80280004", HEX.formatHex(b, 0, 24));
    assertEquals(req, StunMessage.parse(b, 0, b.length));
  }

  @Test
  void successRoundTripsIpv4AndIpv6() throws Exception {
    for (InetSocketAddress a :
        List.of(addr("203.0.113.7", 7777), addr("2001:db8::1", 1), addr("::ffff:1.2.3.4", 9))) {
      StunMessage m = StunMessage.bindingSuccess(RFC5769_TX, a, "gretun");
      byte[] b = m.encode();
      StunMessage back = StunMessage.parse(ByteBuffer.wrap(b));
      assertEquals(m, back);
      assertEquals(a, back.mappedAddress().orElseThrow());
    }
  }

  @Test
  void errorResponseAndLegacyMappedAddress() throws Exception {
    StunMessage m =
        new StunMessage(
            Stun.BINDING_ERROR,
            RFC5769_TX,
            List.of(new ErrorCode(420, "Unknown Attribute"), new Fingerprint()));
    byte[] b = m.encode();
    // ERROR-CODE: 2 reserved bytes, class 4, number 20, then the reason phrase.
    assertEquals("000900150000041455", HEX.formatHex(b, 20, 29));
    assertEquals(420, StunMessage.parse(b, 0, b.length).errorCode().orElseThrow().code());

    StunMessage legacy =
        new StunMessage(
            Stun.BINDING_SUCCESS,
            RFC5769_TX,
            List.of(new MappedAddress(addr("192.0.2.1", 32853), false)));
    byte[] lb = legacy.encode();
    assertEquals("000100080001805 5c0000201".replace(" ", ""), HEX.formatHex(lb, 20, 32));
    assertEquals(
        addr("192.0.2.1", 32853), StunMessage.parse(lb, 0, lb.length).mappedAddress().get());
  }

  private static Reason reject(byte[] b) {
    return assertThrows(WireFormatException.class, () -> StunMessage.parse(b, 0, b.length))
        .reason();
  }

  @Test
  void rejectsBadFraming() {
    assertEquals(Reason.TRUNCATED, reject(new byte[19]));
    byte[] notStun = SAMPLE_IPV4_RESPONSE.clone();
    notStun[0] |= 0x40;
    assertEquals(Reason.BAD_MAGIC, reject(notStun));
    byte[] badCookie = SAMPLE_IPV4_RESPONSE.clone();
    badCookie[5] ^= 1;
    assertEquals(Reason.BAD_MAGIC, reject(badCookie));
    byte[] truncated = java.util.Arrays.copyOf(SAMPLE_IPV4_RESPONSE, 76);
    assertEquals(Reason.BAD_LENGTH, reject(truncated));
    byte[] oddLength = SAMPLE_IPV4_RESPONSE.clone();
    oddLength[3] = 0x3b;
    assertEquals(Reason.BAD_LENGTH, reject(oddLength));
  }

  @Test
  void rejectsBadFingerprintAndAttributeAfterIt() throws Exception {
    byte[] bad = SAMPLE_IPV4_RESPONSE.clone();
    bad[bad.length - 1] ^= 1;
    assertEquals(Reason.BAD_CHECKSUM, reject(bad));
    byte[] tampered = SAMPLE_IPV4_RESPONSE.clone();
    tampered[26] ^= 1; // inside SOFTWARE: the CRC no longer matches
    assertEquals(Reason.BAD_CHECKSUM, reject(tampered));
  }

  @Test
  void unknownRequiredRejectedOptionalKept() throws Exception {
    StunMessage required =
        new StunMessage(
            Stun.BINDING_REQUEST,
            RFC5769_TX,
            List.of(new Opaque(0x0004, new byte[4]))); // RFC 5780 RESPONSE-PORT: not ours
    assertEquals(Reason.UNSUPPORTED, reject(required.encode()));
    StunMessage optional =
        new StunMessage(Stun.BINDING_REQUEST, RFC5769_TX, List.of(new Opaque(0xC001, hex("0102"))));
    byte[] b = optional.encode();
    assertEquals(optional, StunMessage.parse(b, 0, b.length));
  }

  @Test
  void rejectsBadAddressFamilyAndErrorCode() {
    byte[] badFamily =
        new StunMessage(
                Stun.BINDING_SUCCESS,
                RFC5769_TX,
                List.of(new Opaque(0x0020, hex("0003a147e112a643"))))
            .encode();
    assertEquals(Reason.BAD_ATTRIBUTE, reject(badFamily));
    byte[] badCode =
        new StunMessage(
                Stun.BINDING_ERROR, RFC5769_TX, List.of(new Opaque(0x0009, hex("00000199"))))
            .encode();
    assertEquals(Reason.BAD_ATTRIBUTE, reject(badCode));
  }

  @Test
  void looksLikeIsTheDemuxCheck() {
    assertTrue(StunMessage.looksLike(SAMPLE_REQUEST, 0, SAMPLE_REQUEST.length));
    assertFalse(StunMessage.looksLike(SAMPLE_REQUEST, 0, 19));
    assertFalse(StunMessage.looksLike(hex("20000800 00000007 45000054 00000000 0000"), 0, 20));
  }

  @Test
  void parsesAtAnOffset() throws Exception {
    byte[] padded = new byte[SAMPLE_IPV4_RESPONSE.length + 7];
    System.arraycopy(SAMPLE_IPV4_RESPONSE, 0, padded, 3, SAMPLE_IPV4_RESPONSE.length);
    StunMessage m = StunMessage.parse(padded, 3, SAMPLE_IPV4_RESPONSE.length);
    assertEquals(addr("192.0.2.1", 32853), m.mappedAddress().orElseThrow());
    byte[] out = new byte[m.encodedLength() + 5];
    assertEquals(m.encodedLength(), m.encodeTo(out, 5));
    assertEquals(m, StunMessage.parse(out, 5, m.encodedLength()));
  }
}
