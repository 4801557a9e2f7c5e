package dev.gretun.core.wire.ip;

import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.WireFormatException.Reason;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * The IPv4 header fields the overlay looks at (RFC 791 §3.1):
 *
 * <pre>
 *  0      version(4) | IHL(4)     1  DSCP/ECN     2-3   total length
 *  4-5    identification          6-7 flags | fragment offset
 *  8      TTL                     9  protocol     10-11 header checksum
 *  12-15  source address          16-19 destination address    [options to IHL*4]
 * </pre>
 *
 * The static accessors read one field from a packet at the buffer's position without allocating,
 * for the data plane's per-packet path; {@link #parse} validates and returns all of them.
 */
public record Ipv4Header(
    int headerLength, int totalLength, int ttl, int protocol, int source, int destination) {
  public static final int MIN_LENGTH = 20;
  public static final int PROTO_ICMP = 1;
  public static final int PROTO_TCP = 6;
  public static final int PROTO_UDP = 17;
  public static final int PROTO_GRE = 47;

  static final int OFF_TOTAL_LENGTH = 2;
  static final int OFF_TTL = 8;
  static final int OFF_PROTOCOL = 9;
  static final int OFF_CHECKSUM = 10;
  static final int OFF_SOURCE = 12;
  static final int OFF_DESTINATION = 16;

  /**
   * Parses the header of the packet in position..limit (absolute reads; position unchanged).
   *
   * @throws WireFormatException when it is not IPv4, is shorter than its lengths say, or the header
   *     checksum is wrong
   */
  public static Ipv4Header parse(ByteBuffer packet) throws WireFormatException {
    int p = packet.position();
    int available = packet.remaining();
    if (available < MIN_LENGTH) {
      throw new WireFormatException(
          Reason.TRUNCATED, "IPv4 header " + available + " bytes (expected: 20+)");
    }
    int versionIhl = packet.get(p) & 0xff;
    if (versionIhl >>> 4 != 4) {
      throw new WireFormatException(
          Reason.BAD_VERSION, "IP version " + (versionIhl >>> 4) + " (expected: 4)");
    }
    int headerLength = (versionIhl & 0x0f) * 4;
    int totalLength = Short.toUnsignedInt(packet.getShort(p + OFF_TOTAL_LENGTH));
    if (headerLength < MIN_LENGTH || totalLength < headerLength || totalLength > available) {
      throw new WireFormatException(
          Reason.BAD_LENGTH,
          "IPv4 lengths: header "
              + headerLength
              + ", total "
              + totalLength
              + ", have "
              + available
              + " bytes");
    }
    if (Checksums.internet(packet, p, headerLength, 0) != 0) {
      throw new WireFormatException(Reason.BAD_CHECKSUM, "IPv4 header checksum mismatch");
    }
    return new Ipv4Header(
        headerLength,
        totalLength,
        packet.get(p + OFF_TTL) & 0xff,
        packet.get(p + OFF_PROTOCOL) & 0xff,
        packet.getInt(p + OFF_SOURCE),
        packet.getInt(p + OFF_DESTINATION));
  }

  /** The version nibble of the packet at position (4 for IPv4, 6 for IPv6). */
  public static int version(ByteBuffer packet) {
    return (packet.get(packet.position()) & 0xff) >>> 4;
  }

  /** Destination address as a big-endian int; the packet must hold 20+ bytes. */
  public static int destination(ByteBuffer packet) {
    return packet.getInt(packet.position() + OFF_DESTINATION);
  }

  public Inet4Address sourceAddress() {
    return address(source);
  }

  public Inet4Address destinationAddress() {
    return address(destination);
  }

  public static Inet4Address address(int value) {
    byte[] b = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    try {
      return (Inet4Address) InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new AssertionError(e); // four bytes are always a valid address
    }
  }

  public static int toInt(Inet4Address address) {
    byte[] b = address.getAddress();
    return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
  }
}
