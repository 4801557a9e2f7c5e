package dev.gretun.core.wire.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds one netlink message: the 16-byte {@code nlmsghdr}, a family header written with the raw
 * {@code u8/u16/u32} calls, then attributes (4-byte aligned, nestable). Integers are host order
 * (little-endian on the supported platforms) unless the method says {@code Be}. The sequence number
 * and port id are filled in by {@link #build}.
 */
public final class MessageWriter {
  private ByteBuffer buf = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
  private final int type;
  private final int flags;

  public MessageWriter(int type, int flags) {
    this.type = type;
    this.flags = flags;
    buf.position(Netlink.NLMSG_HDRLEN);
  }

  public int type() {
    return type;
  }

  public int flags() {
    return flags;
  }

  public MessageWriter u8(int v) {
    ensure(1).put((byte) v);
    return this;
  }

  public MessageWriter u16(int v) {
    ensure(2).putShort((short) v);
    return this;
  }

  public MessageWriter u32(int v) {
    ensure(4).putInt(v);
    return this;
  }

  public MessageWriter bytes(byte[] v) {
    ensure(v.length).put(v);
    return this;
  }

  /** Attribute with a raw payload, padded to 4 bytes. */
  public MessageWriter attr(int attrType, byte[] payload) {
    int len = Netlink.NLA_HDRLEN + payload.length;
    ensure(Netlink.align(len));
    buf.putShort((short) len).putShort((short) attrType).put(payload);
    pad();
    return this;
  }

  public MessageWriter attrU8(int attrType, int v) {
    return attr(attrType, new byte[] {(byte) v});
  }

  public MessageWriter attrU16(int attrType, int v) {
    return attr(attrType, new byte[] {(byte) v, (byte) (v >>> 8)});
  }

  /** A u16 in network byte order (ports, GRE flags). */
  public MessageWriter attrU16Be(int attrType, int v) {
    return attr(attrType, new byte[] {(byte) (v >>> 8), (byte) v});
  }

  public MessageWriter attrU32(int attrType, int v) {
    return attr(
        attrType, new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)});
  }

  /** A u32 in network byte order (GRE keys). */
  public MessageWriter attrU32Be(int attrType, int v) {
    return attr(
        attrType, new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
  }

  /** A NUL-terminated string ({@code NLA_NUL_STRING}, e.g. IFLA_IFNAME). */
  public MessageWriter attrString(int attrType, String v) {
    byte[] s = v.getBytes(StandardCharsets.UTF_8);
    return attr(attrType, Arrays.copyOf(s, s.length + 1));
  }

  /** A string without terminator ({@code NLA_STRING}; iproute2 sends IFLA_INFO_KIND this way). */
  public MessageWriter attrStringNoNul(int attrType, String v) {
    return attr(attrType, v.getBytes(StandardCharsets.UTF_8));
  }

  /** Opens a nested attribute; pass the returned handle to {@link #endNest}. */
  public int beginNest(int attrType) {
    int start = buf.position();
    ensure(Netlink.NLA_HDRLEN).putShort((short) 0).putShort((short) attrType);
    return start;
  }

  public MessageWriter endNest(int handle) {
    buf.putShort(handle, (short) (buf.position() - handle));
    return this;
  }

  /** The finished message with {@code nlmsg_len}, sequence number and port id set. */
  public byte[] build(int seq, int pid) {
    int len = buf.position();
    ByteBuffer out = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
    out.put(buf.array(), 0, len);
    out.putInt(0, len).putShort(4, (short) type).putShort(6, (short) flags);
    out.putInt(8, seq).putInt(12, pid);
    return out.array();
  }

  private void pad() {
    while ((buf.position() & 3) != 0) {
      buf.put((byte) 0);
    }
  }

  private ByteBuffer ensure(int n) {
    if (buf.remaining() < n) {
      ByteBuffer bigger =
          ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n))
              .order(ByteOrder.LITTLE_ENDIAN);
      bigger.put(buf.array(), 0, buf.position());
      buf = bigger;
    }
    return buf;
  }
}
