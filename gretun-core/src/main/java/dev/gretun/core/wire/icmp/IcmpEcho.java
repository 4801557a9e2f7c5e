package dev.gretun.core.wire.icmp;

import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.ip.Checksums;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * An ICMP echo request or reply (RFC 792): type, code 0, checksum over the whole ICMP message,
 * identifier, sequence number, payload. Pure codec: {@link #encode} writes the checksum, {@link
 * #decode} verifies it and refuses anything that is not an echo message.
 *
 * @param type {@link #ECHO_REQUEST} or {@link #ECHO_REPLY}
 * @param id 0..0xffff (on a Linux ping socket the kernel replaces it with the socket's id)
 * @param sequence 0..0xffff
 */
public record IcmpEcho(int type, int id, int sequence, byte[] payload) {
  public static final int ECHO_REPLY = 0;
  public static final int ECHO_REQUEST = 8;
  public static final int HEADER_BYTES = 8;
  public static final int MAX_PAYLOAD = 65507 - HEADER_BYTES;

  public IcmpEcho {
    if (type != ECHO_REQUEST && type != ECHO_REPLY) {
      throw new IllegalArgumentException("not an echo type: " + type);
    }
    if ((id & ~0xffff) != 0 || (sequence & ~0xffff) != 0) {
      throw new IllegalArgumentException("id and sequence are 16-bit");
    }
    if (payload.length > MAX_PAYLOAD) {
      throw new IllegalArgumentException("payload longer than " + MAX_PAYLOAD + " bytes");
    }
    payload = payload.clone();
  }

  public static IcmpEcho request(int id, int sequence, byte[] payload) {
    return new IcmpEcho(ECHO_REQUEST, id, sequence, payload);
  }

  @Override
  public byte[] payload() {
    return payload.clone();
  }

  /** The message with its checksum. */
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + payload.length);
    b.put((byte) type).put((byte) 0).putShort((short) 0);
    b.putShort((short) id).putShort((short) sequence).put(payload);
    byte[] out = b.array();
    int sum = Checksums.internet(out, 0, out.length);
    out[2] = (byte) (sum >>> 8);
    out[3] = (byte) sum;
    return out;
  }

  /**
   * Parses the ICMP message at {@code b[off..off+len)}.
   *
   * @throws WireFormatException when it is short, not an echo message, or its checksum is wrong
   */
  public static IcmpEcho decode(byte[] b, int off, int len) {
    if (off < 0 || len < HEADER_BYTES || off + len > b.length) {
      throw new WireFormatException(WireFormatException.Reason.TRUNCATED, "icmp shorter than 8");
    }
    int type = b[off] & 0xff;
    if ((type != ECHO_REQUEST && type != ECHO_REPLY) || b[off + 1] != 0) {
      throw new WireFormatException(
          WireFormatException.Reason.BAD_TYPE, "icmp type " + type + " is not echo");
    }
    if (Checksums.internet(b, off, len) != 0) {
      throw new WireFormatException(WireFormatException.Reason.BAD_CHECKSUM, "icmp checksum");
    }
    int id = (b[off + 4] & 0xff) << 8 | (b[off + 5] & 0xff);
    int seq = (b[off + 6] & 0xff) << 8 | (b[off + 7] & 0xff);
    return new IcmpEcho(type, id, seq, Arrays.copyOfRange(b, off + HEADER_BYTES, off + len));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IcmpEcho e
        && e.type == type
        && e.id == id
        && e.sequence == sequence
        && Arrays.equals(e.payload, payload);
  }

  @Override
  public int hashCode() {
    return ((type * 31 + id) * 31 + sequence) * 31 + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return "IcmpEcho[type="
        + type
        + ", id="
        + id
        + ", seq="
        + sequence
        + ", "
        + payload.length
        + " bytes]";
  }
}
