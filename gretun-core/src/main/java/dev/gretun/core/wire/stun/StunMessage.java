package dev.gretun.core.wire.stun;

import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.WireFormatException.Reason;
import dev.gretun.core.wire.stun.StunAttribute.ChangeRequest;
import dev.gretun.core.wire.stun.StunAttribute.ErrorCode;
import dev.gretun.core.wire.stun.StunAttribute.Fingerprint;
import dev.gretun.core.wire.stun.StunAttribute.MappedAddress;
import dev.gretun.core.wire.stun.StunAttribute.Opaque;
import dev.gretun.core.wire.stun.StunAttribute.OtherAddress;
import dev.gretun.core.wire.stun.StunAttribute.Software;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * A STUN message (RFC 8489 §5): a pure codec over byte arrays.
 *
 * <p>Parsing is strict about framing (leading zero bits, magic cookie, length a multiple of 4 that
 * matches the datagram, attribute lengths inside the message, FINGERPRINT last and correct) and
 * lenient where interoperability needs it: unknown comprehension-optional attributes (0x8000 and
 * up) and known-but-uninterpreted ones (MESSAGE-INTEGRITY, USERNAME, ...) are kept as {@link
 * Opaque}; an unknown comprehension-required attribute rejects the message (RFC 8489 §6.3).
 *
 * @param type the 16-bit message type, e.g. {@link Stun#BINDING_REQUEST}
 * @param transactionId the 96-bit transaction id
 * @param attributes in wire order; a {@link Fingerprint}, if any, is last
 */
public record StunMessage(int type, TransactionId transactionId, List<StunAttribute> attributes) {

  public StunMessage {
    if (type < 0 || type > 0x3FFF) {
      throw new IllegalArgumentException("STUN type must fit 14 bits: " + type);
    }
    attributes = List.copyOf(attributes);
    for (int i = 0; i < attributes.size(); i++) {
      if (attributes.get(i) instanceof Fingerprint && i != attributes.size() - 1) {
        throw new IllegalArgumentException("FINGERPRINT must be the last attribute");
      }
    }
  }

  /** A Binding request carrying FINGERPRINT, as we send it. */
  public static StunMessage bindingRequest(TransactionId tx) {
    return new StunMessage(Stun.BINDING_REQUEST, tx, List.of(new Fingerprint()));
  }

  /** A Binding request with CHANGE-REQUEST (RFC 5780 §7.2) and FINGERPRINT. */
  public static StunMessage bindingRequest(TransactionId tx, ChangeRequest change) {
    return new StunMessage(Stun.BINDING_REQUEST, tx, List.of(change, new Fingerprint()));
  }

  /** A Binding success response: XOR-MAPPED-ADDRESS, SOFTWARE (if non-empty), FINGERPRINT. */
  public static StunMessage bindingSuccess(
      TransactionId tx, InetSocketAddress mapped, String software) {
    return bindingSuccess(tx, mapped, null, software);
  }

  /**
   * A Binding success response: XOR-MAPPED-ADDRESS, OTHER-ADDRESS (if {@code other} is non-null,
   * RFC 5780 §6.1), SOFTWARE (if non-empty), FINGERPRINT.
   */
  public static StunMessage bindingSuccess(
      TransactionId tx, InetSocketAddress mapped, InetSocketAddress other, String software) {
    List<StunAttribute> attrs = new ArrayList<>(4);
    attrs.add(new MappedAddress(mapped, true));
    if (other != null) {
      attrs.add(new OtherAddress(other));
    }
    if (software != null && !software.isEmpty()) {
      attrs.add(new Software(software));
    }
    attrs.add(new Fingerprint());
    return new StunMessage(Stun.BINDING_SUCCESS, tx, attrs);
  }

  /** Cheap demultiplexing check: at least a header, top two bits 0, magic cookie at offset 4. */
  public static boolean looksLike(byte[] b, int off, int len) {
    return len >= Stun.HEADER_LENGTH
        && (b[off] & 0xC0) == 0
        && readInt(b, off + 4) == Stun.MAGIC_COOKIE;
  }

  /** The transaction id of a datagram that {@link #looksLike} STUN. */
  public static TransactionId peekTransactionId(byte[] b, int off) {
    return TransactionId.read(b, off + 8);
  }

  /** Parses the buffer's remaining bytes (position to limit) as one message. */
  public static StunMessage parse(ByteBuffer buf) throws WireFormatException {
    if (buf.hasArray()) {
      return parse(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
    }
    byte[] copy = new byte[buf.remaining()];
    buf.duplicate().get(copy);
    return parse(copy, 0, copy.length);
  }

  /** Parses {@code b[off, off+len)} as exactly one STUN message. */
  public static StunMessage parse(byte[] b, int off, int len) throws WireFormatException {
    if (len < Stun.HEADER_LENGTH) {
      throw new WireFormatException(Reason.TRUNCATED, len + " bytes (expected: 20+)");
    }
    if ((b[off] & 0xC0) != 0 || readInt(b, off + 4) != Stun.MAGIC_COOKIE) {
      throw new WireFormatException(Reason.BAD_MAGIC, "no leading zero bits or magic cookie");
    }
    int type = readU16(b, off);
    int bodyLength = readU16(b, off + 2);
    if (bodyLength % 4 != 0 || Stun.HEADER_LENGTH + bodyLength != len) {
      throw new WireFormatException(
          Reason.BAD_LENGTH,
          "message length " + bodyLength + " in a " + len + "-byte datagram (must match, mod 4)");
    }
    TransactionId tx = TransactionId.read(b, off + 8);
    List<StunAttribute> attrs = new ArrayList<>(4);
    int end = off + len;
    int pos = off + Stun.HEADER_LENGTH;
    boolean afterIntegrity = false;
    while (pos < end) {
      int attrType = readU16(b, pos);
      int attrLength = readU16(b, pos + 2);
      int value = pos + 4;
      int padded = (attrLength + 3) & ~3;
      if (padded > end - value) {
        throw new WireFormatException(
            Reason.BAD_LENGTH,
            String.format("attribute 0x%04x length %d overruns the message", attrType, attrLength));
      }
      if (attrType == Stun.ATTR_FINGERPRINT) {
        if (attrLength != 4 || value + 4 != end) {
          throw new WireFormatException(Reason.BAD_ATTRIBUTE, "FINGERPRINT must be 4 bytes, last");
        }
        int expected = fingerprint(b, off, pos - off);
        if (readInt(b, value) != expected) {
          throw new WireFormatException(Reason.BAD_CHECKSUM, "CRC mismatch");
        }
        attrs.add(new Fingerprint());
      } else if (afterIntegrity && attrType != Stun.ATTR_MESSAGE_INTEGRITY_SHA256) {
        // RFC 8489 §14.5: everything after MESSAGE-INTEGRITY except MESSAGE-INTEGRITY-SHA256 and
        // FINGERPRINT is ignored.
      } else {
        attrs.add(decodeAttribute(attrType, b, value, attrLength, tx));
        afterIntegrity |= attrType == Stun.ATTR_MESSAGE_INTEGRITY;
      }
      pos = value + padded;
    }
    return new StunMessage(type, tx, attrs);
  }

  private static StunAttribute decodeAttribute(
      int attrType, byte[] b, int value, int length, TransactionId tx) throws WireFormatException {
    return switch (attrType) {
      case Stun.ATTR_XOR_MAPPED_ADDRESS, Stun.ATTR_MAPPED_ADDRESS -> {
        boolean xor = attrType == Stun.ATTR_XOR_MAPPED_ADDRESS;
        yield new MappedAddress(decodeAddress(b, value, length, tx, xor), xor);
      }
      // SOFTWARE is informational: decode leniently (malformed UTF-8 is replaced, any length).
      case Stun.ATTR_SOFTWARE -> new Software(new String(b, value, length, StandardCharsets.UTF_8));
      case Stun.ATTR_ERROR_CODE -> decodeErrorCode(b, value, length);
      case Stun.ATTR_OTHER_ADDRESS -> new OtherAddress(decodeAddress(b, value, length, tx, false));
      case Stun.ATTR_CHANGE_REQUEST -> {
        if (length != 4) {
          throw new WireFormatException(
              Reason.BAD_ATTRIBUTE, "CHANGE-REQUEST length " + length + " (expected 4)");
        }
        int flags = readInt(b, value);
        yield new ChangeRequest((flags & Stun.CHANGE_IP) != 0, (flags & Stun.CHANGE_PORT) != 0);
      }
      default -> {
        if (attrType < 0x8000 && !Stun.isKnownRequired(attrType)) {
          throw new WireFormatException(
              Reason.UNSUPPORTED,
              String.format("comprehension-required attribute 0x%04x", attrType));
        }
        byte[] v = new byte[length];
        System.arraycopy(b, value, v, 0, length);
        yield new Opaque(attrType, v);
      }
    };
  }

  private static InetSocketAddress decodeAddress(
      byte[] b, int value, int length, TransactionId tx, boolean xor) throws WireFormatException {
    int family = length >= 4 ? b[value + 1] : -1;
    int addrLength =
        switch (family) {
          case 1 -> 4;
          case 2 -> 16;
          default -> -1;
        };
    if (addrLength < 0 || length != 4 + addrLength) {
      throw new WireFormatException(
          Reason.BAD_ATTRIBUTE, "address attribute family " + family + " length " + length);
    }
    int port = readU16(b, value + 2);
    byte[] addr = new byte[addrLength];
    System.arraycopy(b, value + 4, addr, 0, addrLength);
    if (xor) {
      port ^= Stun.MAGIC_COOKIE >>> 16;
      xorAddress(addr, tx);
    }
    try {
      // Inet6Address.getByAddress keeps an IPv4-mapped IPv6 address as IPv6, so family round-trips.
      InetAddress ip =
          addrLength == 4
              ? InetAddress.getByAddress(addr)
              : Inet6Address.getByAddress(null, addr, -1);
      return new InetSocketAddress(ip, port);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("4- or 16-byte address rejected", e);
    }
  }

  /** XORs an address with the magic cookie (IPv4) or cookie ‖ transaction id (IPv6), in place. */
  private static void xorAddress(byte[] addr, TransactionId tx) {
    byte[] mask = new byte[16];
    writeInt(mask, 0, Stun.MAGIC_COOKIE);
    tx.write(mask, 4);
    for (int i = 0; i < addr.length; i++) {
      addr[i] ^= mask[i];
    }
  }

  private static ErrorCode decodeErrorCode(byte[] b, int value, int length)
      throws WireFormatException {
    if (length < 4) {
      throw new WireFormatException(Reason.BAD_ATTRIBUTE, "ERROR-CODE shorter than 4 bytes");
    }
    int errorClass = b[value + 2] & 0x07;
    int number = b[value + 3] & 0xFF;
    int code = errorClass * 100 + number;
    if (number > 99 || code < 300 || code > 699) {
      throw new WireFormatException(
          Reason.BAD_ATTRIBUTE, "ERROR-CODE " + errorClass + "/" + number);
    }
    return new ErrorCode(code, new String(b, value + 4, length - 4, StandardCharsets.UTF_8));
  }

  /** The reflexive address: the first XOR-MAPPED-ADDRESS, else the first MAPPED-ADDRESS. */
  public Optional<InetSocketAddress> mappedAddress() {
    InetSocketAddress legacy = null;
    for (StunAttribute a : attributes) {
      if (a instanceof MappedAddress m) {
        if (m.xor()) {
          return Optional.of(m.address());
        }
        legacy = legacy == null ? m.address() : legacy;
      }
    }
    return Optional.ofNullable(legacy);
  }

  /** The CHANGE-REQUEST of a request (RFC 5780), if any. */
  public Optional<ChangeRequest> changeRequest() {
    return first(ChangeRequest.class);
  }

  /** The OTHER-ADDRESS of a response (RFC 5780), if any. */
  public Optional<InetSocketAddress> otherAddress() {
    return first(OtherAddress.class).map(OtherAddress::address);
  }

  public Optional<ErrorCode> errorCode() {
    return first(ErrorCode.class);
  }

  public Optional<String> software() {
    return first(Software.class).map(Software::text);
  }

  public boolean hasFingerprint() {
    return first(Fingerprint.class).isPresent();
  }

  private <T extends StunAttribute> Optional<T> first(Class<T> kind) {
    for (StunAttribute a : attributes) {
      if (kind.isInstance(a)) {
        return Optional.of(kind.cast(a));
      }
    }
    return Optional.empty();
  }

  /** Size of the encoded message in bytes. */
  public int encodedLength() {
    int n = Stun.HEADER_LENGTH;
    for (StunAttribute a : attributes) {
      n += 4 + ((valueLength(a) + 3) & ~3);
    }
    return n;
  }

  public byte[] encode() {
    return encode((byte) 0);
  }

  /**
   * Encodes with the given padding byte. We send zeros; RFC 8489 §14 lets receivers ignore padding,
   * and RFC 5769's samples pad with spaces, so byte-exact tests pass {@code 0x20}.
   */
  public byte[] encode(byte padding) {
    byte[] out = new byte[encodedLength()];
    encodeTo(out, 0, padding);
    return out;
  }

  /** Writes the message into {@code out} at {@code off}; returns the number of bytes written. */
  public int encodeTo(byte[] out, int off) {
    return encodeTo(out, off, (byte) 0);
  }

  private int encodeTo(byte[] out, int off, byte padding) {
    int total = encodedLength();
    if (out.length - off < total) {
      throw new IndexOutOfBoundsException("need " + total + " bytes");
    }
    writeU16(out, off, type);
    writeU16(out, off + 2, total - Stun.HEADER_LENGTH);
    writeInt(out, off + 4, Stun.MAGIC_COOKIE);
    transactionId.write(out, off + 8);
    int pos = off + Stun.HEADER_LENGTH;
    for (StunAttribute a : attributes) {
      int length = valueLength(a);
      writeU16(out, pos, a.type());
      writeU16(out, pos + 2, length);
      int value = pos + 4;
      switch (a) {
        case MappedAddress m -> encodeAddress(out, value, m.address(), transactionId, m.xor());
        case Software s -> putBytes(out, value, s.text().getBytes(StandardCharsets.UTF_8));
        case ErrorCode e -> {
          writeU16(out, value, 0);
          out[value + 2] = (byte) (e.code() / 100);
          out[value + 3] = (byte) (e.code() % 100);
          putBytes(out, value + 4, e.reason().getBytes(StandardCharsets.UTF_8));
        }
        case Fingerprint f -> writeInt(out, value, fingerprint(out, off, pos - off));
        case ChangeRequest c ->
            writeInt(
                out,
                value,
                (c.changeIp() ? Stun.CHANGE_IP : 0) | (c.changePort() ? Stun.CHANGE_PORT : 0));
        case OtherAddress o -> encodeAddress(out, value, o.address(), transactionId, false);
        case Opaque o -> putBytes(out, value, o.value());
      }
      int padded = (length + 3) & ~3;
      for (int i = length; i < padded; i++) {
        out[value + i] = padding;
      }
      pos = value + padded;
    }
    return total;
  }

  private static int valueLength(StunAttribute a) {
    return switch (a) {
      case MappedAddress m -> addressLength(m.address());
      case Software s -> s.text().getBytes(StandardCharsets.UTF_8).length;
      case ErrorCode e -> 4 + e.reason().getBytes(StandardCharsets.UTF_8).length;
      case Fingerprint f -> 4;
      case ChangeRequest c -> 4;
      case OtherAddress o -> addressLength(o.address());
      case Opaque o -> o.value().length;
    };
  }

  private static int addressLength(InetSocketAddress a) {
    return a.getAddress() instanceof Inet4Address ? 8 : 20;
  }

  private static void encodeAddress(
      byte[] out, int value, InetSocketAddress a, TransactionId tx, boolean xor) {
    byte[] addr = a.getAddress().getAddress();
    int port = a.getPort();
    if (xor) {
      port ^= Stun.MAGIC_COOKIE >>> 16;
      xorAddress(addr, tx);
    }
    out[value] = 0;
    out[value + 1] = (byte) (addr.length == 4 ? 1 : 2);
    writeU16(out, value + 2, port);
    putBytes(out, value + 4, addr);
  }

  /** FINGERPRINT value over {@code b[off, off+len)} (RFC 8489 §14.7). */
  private static int fingerprint(byte[] b, int off, int len) {
    CRC32 crc = new CRC32();
    crc.update(b, off, len);
    return (int) crc.getValue() ^ Stun.FINGERPRINT_XOR;
  }

  private static void putBytes(byte[] out, int off, byte[] src) {
    System.arraycopy(src, 0, out, off, src.length);
  }

  static int readU16(byte[] b, int off) {
    return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
  }

  static int readInt(byte[] b, int off) {
    return ((b[off] & 0xFF) << 24)
        | ((b[off + 1] & 0xFF) << 16)
        | ((b[off + 2] & 0xFF) << 8)
        | (b[off + 3] & 0xFF);
  }

  private static void writeU16(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 8);
    b[off + 1] = (byte) v;
  }

  private static void writeInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }
}
