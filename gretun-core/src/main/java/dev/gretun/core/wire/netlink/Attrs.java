package dev.gretun.core.wire.netlink;

import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.WireFormatException.Reason;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Parsed attributes (nlattr/rtattr) of one level: type (nested/byte-order flag bits masked off) to
 * payload. A repeated type keeps its last value. Accessors throw {@link WireFormatException} for a
 * payload of the wrong size.
 */
public final class Attrs {
  private final Map<Integer, ByteBuffer> byType;

  private Attrs(Map<Integer, ByteBuffer> byType) {
    this.byType = byType;
  }

  public static Attrs parse(ByteBuffer region) {
    ByteBuffer b = region.slice().order(ByteOrder.LITTLE_ENDIAN);
    Map<Integer, ByteBuffer> map = new LinkedHashMap<>();
    int pos = 0;
    while (b.limit() - pos >= Netlink.NLA_HDRLEN) {
      int len = Short.toUnsignedInt(b.getShort(pos));
      int type = Short.toUnsignedInt(b.getShort(pos + 2)) & Netlink.NLA_TYPE_MASK;
      if (len < Netlink.NLA_HDRLEN || len > b.limit() - pos) {
        throw new WireFormatException(
            Reason.BAD_ATTRIBUTE, "bad attribute length " + len + " (type " + type + ")");
      }
      map.put(
          type,
          b.slice(pos + Netlink.NLA_HDRLEN, len - Netlink.NLA_HDRLEN)
              .order(ByteOrder.LITTLE_ENDIAN));
      pos += Math.min(Netlink.align(len), b.limit() - pos);
    }
    return new Attrs(map);
  }

  public boolean has(int type) {
    return byType.containsKey(type);
  }

  public Set<Integer> types() {
    return byType.keySet();
  }

  public byte[] bytes(int type) {
    ByteBuffer v = need(type, -1);
    byte[] out = new byte[v.limit()];
    v.get(0, out);
    return out;
  }

  public int u8(int type) {
    return Byte.toUnsignedInt(need(type, 1).get(0));
  }

  public int u16(int type) {
    return Short.toUnsignedInt(need(type, 2).getShort(0));
  }

  public int u16Be(int type) {
    return Short.toUnsignedInt(need(type, 2).order(ByteOrder.BIG_ENDIAN).getShort(0));
  }

  public int u32(int type) {
    return need(type, 4).getInt(0);
  }

  public int u32Be(int type) {
    return need(type, 4).order(ByteOrder.BIG_ENDIAN).getInt(0);
  }

  public long u64(int type, int index) {
    ByteBuffer v = need(type, -1);
    if (v.limit() < (index + 1) * 8) {
      throw new WireFormatException(
          Reason.BAD_ATTRIBUTE, "attribute " + type + " too short for u64 #" + index);
    }
    return v.getLong(index * 8);
  }

  /** A string payload, without trailing NULs. */
  public String string(int type) {
    byte[] b = bytes(type);
    int n = b.length;
    while (n > 0 && b[n - 1] == 0) {
      n--;
    }
    return new String(b, 0, n, StandardCharsets.UTF_8);
  }

  public Inet4Address inet4(int type) {
    try {
      return (Inet4Address) InetAddress.getByAddress(bytes4(type));
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  public Attrs nested(int type) {
    return parse(need(type, -1));
  }

  /** Size in bytes of an attribute's payload. */
  public int size(int type) {
    return need(type, -1).limit();
  }

  private byte[] bytes4(int type) {
    need(type, 4);
    return bytes(type);
  }

  private ByteBuffer need(int type, int size) {
    ByteBuffer v = byType.get(type);
    if (v == null) {
      throw new WireFormatException(Reason.BAD_ATTRIBUTE, "missing attribute " + type);
    }
    if (size >= 0 && v.limit() != size) {
      throw new WireFormatException(
          Reason.BAD_ATTRIBUTE,
          "attribute " + type + " has " + v.limit() + " bytes, expected " + size);
    }
    return v.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }
}
