package dev.gretun.core.wire.stun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.WireFormatException.Reason;
import dev.gretun.core.wire.stun.StunAttribute.ChangeRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * CHANGE-REQUEST and OTHER-ADDRESS (RFC 5780 §7.2, §7.4), byte for byte. The fingerprints were
 * computed independently (Python zlib.crc32 XOR 0x5354554E over the bytes before the FINGERPRINT
 * attribute; the same computation reproduces RFC 5769 §2.2's c07d4c96).
 */
class Rfc5780AttributesTest {
  private static final TransactionId TX = TransactionId.fromHex("b7e7a701bc34d686fa87dfae");

  /** Binding request, CHANGE-REQUEST "change port" (flag 0x02), FINGERPRINT. */
  private static final byte[] CHANGE_PORT_REQUEST =
      hex(
          "0001 0010 2112a442 b7e7a701bc34d686fa87dfae"
              + " 0003 0004 00000002"
              + " 8028 0004 eb84cb1c");

  /** Binding success: XOR-MAPPED-ADDRESS 192.0.2.1:32853, OTHER-ADDRESS 192.0.2.1:3479. */
  private static final byte[] RESPONSE_WITH_OTHER_ADDRESS =
      hex(
          "0101 0020 2112a442 b7e7a701bc34d686fa87dfae"
              + " 0020 0008 0001a147 e112a643"
              + " 802c 0008 00010d97 c0000201"
              + " 8028 0004 262563a0");

  @Test
  void changePortRequestEncodesByteForByte() {
    byte[] encoded = StunMessage.bindingRequest(TX, new ChangeRequest(false, true)).encode();
    assertArrayEquals(CHANGE_PORT_REQUEST, encoded);
  }

  @Test
  void changePortRequestParses() {
    StunMessage m = StunMessage.parse(CHANGE_PORT_REQUEST, 0, CHANGE_PORT_REQUEST.length);
    assertEquals(Stun.BINDING_REQUEST, m.type());
    assertEquals(Optional.of(new ChangeRequest(false, true)), m.changeRequest());
  }

  @Test
  void changeIpAndPortFlagsRoundTrip() {
    byte[] b = StunMessage.bindingRequest(TX, new ChangeRequest(true, true)).encode();
    assertEquals("00000006", HexFormat.of().formatHex(b, 24, 28));
    assertEquals(
        Optional.of(new ChangeRequest(true, true)),
        StunMessage.parse(b, 0, b.length).changeRequest());
  }

  @Test
  void unknownChangeRequestBitsAreIgnored() {
    byte[] b = StunMessage.bindingRequest(TX, new ChangeRequest(false, false)).encode();
    b[27] = (byte) 0xF9; // every bit but change-ip and change-port (fingerprint recomputed below)
    byte[] noFingerprint = new byte[b.length - 8];
    System.arraycopy(b, 0, noFingerprint, 0, noFingerprint.length);
    noFingerprint[3] = 8; // body: the CHANGE-REQUEST only
    StunMessage m = StunMessage.parse(noFingerprint, 0, noFingerprint.length);
    assertEquals(Optional.of(new ChangeRequest(false, false)), m.changeRequest());
  }

  @Test
  void changeRequestOfWrongLengthIsRejected() {
    byte[] b = hex("0001 0008 2112a442 b7e7a701bc34d686fa87dfae 0003 0002 0002 0000");
    var e = assertThrows(WireFormatException.class, () -> StunMessage.parse(b, 0, b.length));
    assertEquals(Reason.BAD_ATTRIBUTE, e.reason());
  }

  @Test
  void responseWithOtherAddressEncodesByteForByte() throws Exception {
    InetAddress ip = InetAddress.getByName("192.0.2.1");
    byte[] encoded =
        StunMessage.bindingSuccess(
                TX, new InetSocketAddress(ip, 32853), new InetSocketAddress(ip, 3479), "")
            .encode();
    assertArrayEquals(RESPONSE_WITH_OTHER_ADDRESS, encoded);
  }

  @Test
  void responseWithOtherAddressParses() throws Exception {
    StunMessage m =
        StunMessage.parse(RESPONSE_WITH_OTHER_ADDRESS, 0, RESPONSE_WITH_OTHER_ADDRESS.length);
    InetAddress ip = InetAddress.getByName("192.0.2.1");
    assertEquals(Optional.of(new InetSocketAddress(ip, 32853)), m.mappedAddress());
    assertEquals(Optional.of(new InetSocketAddress(ip, 3479)), m.otherAddress());
  }

  @Test
  void malformedOtherAddressIsRejected() {
    byte[] b = hex("0101 0008 2112a442 b7e7a701bc34d686fa87dfae 802c 0004 0003 0d97");
    var e = assertThrows(WireFormatException.class, () -> StunMessage.parse(b, 0, b.length));
    assertEquals(Reason.BAD_ATTRIBUTE, e.reason());
  }

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", ""));
  }
}
