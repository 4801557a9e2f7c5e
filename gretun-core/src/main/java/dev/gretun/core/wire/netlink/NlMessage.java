package dev.gretun.core.wire.netlink;

import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.WireFormatException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One received netlink message: header fields and the payload after the 16-byte header ({@code
 * body}, little-endian, position 0).
 */
public record NlMessage(int type, int flags, int seq, int pid, ByteBuffer body) {

  /** Splits a datagram (or a concatenation of datagrams) into messages, checking every length. */
  public static List<NlMessage> parseAll(ByteBuffer data) {
    ByteBuffer b = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    List<NlMessage> out = new ArrayList<>();
    int pos = 0;
    while (b.limit() - pos >= Netlink.NLMSG_HDRLEN) {
      int len = b.getInt(pos);
      if (len < Netlink.NLMSG_HDRLEN || len > b.limit() - pos) {
        throw new WireFormatException(
            Reason.BAD_LENGTH, "bad nlmsg_len " + len + " at offset " + pos + " of " + b.limit());
      }
      ByteBuffer body =
          b.slice(pos + Netlink.NLMSG_HDRLEN, len - Netlink.NLMSG_HDRLEN)
              .order(ByteOrder.LITTLE_ENDIAN);
      out.add(
          new NlMessage(
              Short.toUnsignedInt(b.getShort(pos + 4)),
              Short.toUnsignedInt(b.getShort(pos + 6)),
              b.getInt(pos + 8),
              b.getInt(pos + 12),
              body));
      pos += Math.min(Netlink.align(len), b.limit() - pos);
    }
    if (pos != b.limit()) {
      throw new WireFormatException(
          Reason.BAD_LENGTH, (b.limit() - pos) + " trailing bytes after netlink messages");
    }
    return out;
  }

  /** Attributes that follow a family header of {@code headerLen} bytes. */
  public Attrs attrs(int headerLen) {
    if (body.limit() < headerLen) {
      throw new WireFormatException(
          Reason.TRUNCATED,
          "message type " + type + " shorter than its " + headerLen + "-byte header");
    }
    return Attrs.parse(body.slice(headerLen, body.limit() - headerLen));
  }

  /** For an {@code NLMSG_ERROR}: 0 when it is an ACK, else the positive errno it carries. */
  public int errno() {
    if (body.limit() < 4) {
      throw new WireFormatException(Reason.TRUNCATED, "truncated NLMSG_ERROR");
    }
    return -body.getInt(0);
  }

  /** For an {@code NLMSG_ERROR}: the kernel's extended-ack message, or null when it sent none. */
  public String extAck() {
    if ((flags & Netlink.NLM_F_ACK_TLVS) == 0 || body.limit() < 4 + Netlink.NLMSG_HDRLEN) {
      return null;
    }
    int echoed = (flags & Netlink.NLM_F_CAPPED) != 0 ? Netlink.NLMSG_HDRLEN : body.getInt(4);
    int tlvStart = 4 + Netlink.align(echoed);
    if (tlvStart > body.limit()) {
      return null;
    }
    Attrs tlvs = Attrs.parse(body.slice(tlvStart, body.limit() - tlvStart));
    return tlvs.has(Netlink.NLMSGERR_ATTR_MSG) ? tlvs.string(Netlink.NLMSGERR_ATTR_MSG) : null;
  }
}
