package dev.gretun.core.wire.icmp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gretun.core.wire.WireFormatException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class IcmpEchoTest {
  private static final HexFormat HEX = HexFormat.of();

  // Checksum worked by hand (RFC 1071): 0x0800 + 0x1234 + 0x0001 + 0x6162 + 0x6364 = 0xdefb,
  // complemented 0x2104.
  private static final byte[] REQUEST = HEX.parseHex("0800210412340001" + "61626364");
  // The reply differs only in the type, so its checksum is 0x0800 higher: 0x2904.
  private static final byte[] REPLY = HEX.parseHex("0000290412340001" + "61626364");

  @Test
  void encodesRequestByteForByte() {
    byte[] out = IcmpEcho.request(0x1234, 1, "abcd".getBytes()).encode();
    assertArrayEquals(REQUEST, out);
  }

  @Test
  void decodesReply() {
    IcmpEcho e = IcmpEcho.decode(REPLY, 0, REPLY.length);
    assertEquals(IcmpEcho.ECHO_REPLY, e.type());
    assertEquals(0x1234, e.id());
    assertEquals(1, e.sequence());
    assertArrayEquals("abcd".getBytes(), e.payload());
    assertArrayEquals(REPLY, e.encode());
  }

  @Test
  void capturedLinuxPingExchange() {
    // iputils 20221126 "ping -c1 -s 8 -p 0001020304050607 127.0.0.1" as a raw ICMP socket read
    // it (the IP header removed): the request, then the kernel's reply.
    byte[] request = HEX.parseHex("0800ae743d7a0001" + "0001020304050607");
    byte[] reply = HEX.parseHex("0000b6743d7a0001" + "0001020304050607");
    byte[] payload = HEX.parseHex("0001020304050607");
    assertArrayEquals(request, IcmpEcho.request(0x3d7a, 1, payload).encode());
    IcmpEcho r = IcmpEcho.decode(reply, 0, reply.length);
    assertEquals(new IcmpEcho(IcmpEcho.ECHO_REPLY, 0x3d7a, 1, payload), r);
  }

  @Test
  void decodesAtAnOffsetAndOddLength() {
    byte[] msg = IcmpEcho.request(7, 65535, new byte[] {1, 2, 3}).encode();
    byte[] framed = new byte[msg.length + 5];
    System.arraycopy(msg, 0, framed, 2, msg.length);
    IcmpEcho e = IcmpEcho.decode(framed, 2, msg.length);
    assertEquals(65535, e.sequence());
    assertArrayEquals(new byte[] {1, 2, 3}, e.payload());
  }

  @Test
  void refusesBadChecksum() {
    byte[] bad = REPLY.clone();
    bad[11] ^= 1;
    WireFormatException e =
        assertThrows(WireFormatException.class, () -> IcmpEcho.decode(bad, 0, bad.length));
    assertEquals(WireFormatException.Reason.BAD_CHECKSUM, e.reason());
  }

  @Test
  void refusesShortAndNonEchoMessages() {
    assertEquals(
        WireFormatException.Reason.TRUNCATED,
        assertThrows(WireFormatException.class, () -> IcmpEcho.decode(REPLY, 0, 7)).reason());
    // Destination unreachable (type 3), port unreachable (code 3), with a valid checksum.
    byte[] unreach = HEX.parseHex("0303fcfc00000000");
    assertEquals(
        WireFormatException.Reason.BAD_TYPE,
        assertThrows(WireFormatException.class, () -> IcmpEcho.decode(unreach, 0, 8)).reason());
    assertThrows(WireFormatException.class, () -> IcmpEcho.decode(REPLY, 4, REPLY.length));
  }

  @Test
  void refusesOutOfRangeFields() {
    assertThrows(IllegalArgumentException.class, () -> IcmpEcho.request(0x10000, 0, new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> IcmpEcho.request(0, -1, new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> new IcmpEcho(3, 0, 0, new byte[0]));
  }
}
