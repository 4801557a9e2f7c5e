package dev.gretun.core.wire.gre;

import dev.gretun.core.wire.NetworkOrder;
import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.WireFormatException.Reason;
import dev.gretun.core.wire.ip.Checksums;
import java.lang.foreign.MemorySegment;

/**
 * A GRE header (RFC 2784 with the RFC 2890 key and sequence extensions):
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |C| |K|S| Reserved0       | Ver |         Protocol Type         |
 * |      Checksum (optional)      |       Reserved1 (optional)    |
 * |                         Key (optional)                        |
 * |                 Sequence Number (optional)                    |
 * </pre>
 *
 * We send keyed headers without checksum or sequence ({@code 20 00 08 00 KK KK KK KK}): the kernel
 * demultiplexes GRE tunnels by (local IP, remote IP, key) only, so every peer pair needs its own
 * key (docs/NAT-TRAVERSAL.md §3.2). Kernel FOU+GRE with a key and noencap-csum emits the same
 * bytes, so kernel and userspace peers interoperate. Fields of absent options are 0.
 *
 * <p>The static {@link MemorySegment} methods are the userspace data plane's allocation-free path
 * for the one form we send: flags K only, version 0, protocol IPv4 ({@link #KEYED_IPV4}), key.
 *
 * @param protocol EtherType of the payload, e.g. {@link #PROTO_IPV4}
 * @param checksumPresent C bit; {@code checksum} is then the RFC 1071 sum over header and payload
 * @param keyPresent K bit
 * @param sequencePresent S bit
 */
public record GreHeader(
    int protocol,
    boolean checksumPresent,
    int checksum,
    boolean keyPresent,
    int key,
    boolean sequencePresent,
    int sequence) {

  public static final int PROTO_IPV4 = 0x0800;
  public static final int PROTO_IPV6 = 0x86DD;
  public static final int BASE_LENGTH = 4;

  /** Length of the keyed header we send (flags, protocol, key). */
  public static final int HEADER = 8;

  /** The first word of the header we send: K bit, version 0, protocol IPv4. */
  public static final int KEYED_IPV4 = 0x2000_0800;

  static final int FLAG_C = 0x8000;
  static final int FLAG_K = 0x2000;
  static final int FLAG_S = 0x1000;

  /**
   * RFC 2784 §2.3: a receiver discards packets with any of bits 1-5 set unless it implements RFC
   * 1701; bits 2 and 3 became K and S in RFC 2890, leaving bit 1 (routing) and bits 4-5.
   */
  static final int FLAGS_MUST_BE_ZERO = 0x4000 | 0x0800 | 0x0400;

  static final int VERSION_MASK = 0x0007;

  public GreHeader {
    if (protocol < 0 || protocol > 0xFFFF || checksum < 0 || checksum > 0xFFFF) {
      throw new IllegalArgumentException("protocol and checksum are 16-bit values");
    }
  }

  /** The header we send: K bit, key, no checksum or sequence. */
  public static GreHeader keyed(int protocol, int key) {
    return new GreHeader(protocol, false, 0, true, key, false, 0);
  }

  /** Encoded size: 4 bytes plus 4 per optional field. */
  public int length() {
    return BASE_LENGTH
        + (checksumPresent ? 4 : 0)
        + (keyPresent ? 4 : 0)
        + (sequencePresent ? 4 : 0);
  }

  /**
   * Writes the header at {@code off}; returns its length. A present checksum is written as given;
   * use {@link #fillChecksum} once the payload follows.
   */
  public int encodeTo(byte[] out, int off) {
    int flags =
        (checksumPresent ? FLAG_C : 0) | (keyPresent ? FLAG_K : 0) | (sequencePresent ? FLAG_S : 0);
    put16(out, off, flags);
    put16(out, off + 2, protocol);
    int pos = off + BASE_LENGTH;
    if (checksumPresent) {
      put16(out, pos, checksum);
      put16(out, pos + 2, 0);
      pos += 4;
    }
    if (keyPresent) {
      put32(out, pos, key);
      pos += 4;
    }
    if (sequencePresent) {
      put32(out, pos, sequence);
      pos += 4;
    }
    return pos - off;
  }

  /** Fast path for the data plane: writes {@code 20 00 <protocol> <key>}; returns 8. */
  public static int encodeKeyed(byte[] out, int off, int protocol, int key) {
    put16(out, off, FLAG_K);
    put16(out, off + 2, protocol);
    put32(out, off + 4, key);
    return HEADER;
  }

  /** Writes the keyed IPv4 header ({@code 20 00 08 00 <key>}) at {@code off}. */
  public static void write(MemorySegment seg, long off, int key) {
    seg.set(NetworkOrder.INT, off, KEYED_IPV4);
    seg.set(NetworkOrder.INT, off + 4, key);
  }

  /** True when {@code len} bytes at {@code off} start with the keyed IPv4 header we send. */
  public static boolean isKeyedIpv4(MemorySegment seg, long off, int len) {
    return len >= HEADER && seg.get(NetworkOrder.INT, off) == KEYED_IPV4;
  }

  /** The key of a header that {@link #isKeyedIpv4}. */
  public static int key(MemorySegment seg, long off) {
    return seg.get(NetworkOrder.INT, off + 4);
  }

  /** A big-endian 32-bit word at {@code off} (e.g. the inner IPv4 destination address). */
  public static int beInt(MemorySegment seg, long off) {
    return seg.get(NetworkOrder.INT, off);
  }

  /**
   * Parses the header of the GRE packet {@code b[off, off+len)} (header and payload; the payload is
   * needed to verify a checksum).
   */
  public static GreHeader parse(byte[] b, int off, int len) throws WireFormatException {
    if (len < BASE_LENGTH) {
      throw new WireFormatException(Reason.TRUNCATED, len + " bytes (expected: 4+)");
    }
    int flags = get16(b, off);
    if ((flags & VERSION_MASK) != 0) {
      throw new WireFormatException(Reason.BAD_VERSION, "version " + (flags & VERSION_MASK));
    }
    if ((flags & FLAGS_MUST_BE_ZERO) != 0) {
      throw new WireFormatException(Reason.BAD_FLAGS, String.format("flags 0x%04x", flags));
    }
    boolean c = (flags & FLAG_C) != 0;
    boolean k = (flags & FLAG_K) != 0;
    boolean s = (flags & FLAG_S) != 0;
    int need = BASE_LENGTH + (c ? 4 : 0) + (k ? 4 : 0) + (s ? 4 : 0);
    if (len < need) {
      throw new WireFormatException(Reason.TRUNCATED, len + " bytes (header needs " + need + ")");
    }
    int pos = off + BASE_LENGTH;
    int checksum = 0;
    if (c) {
      checksum = get16(b, pos);
      if (Checksums.internet(b, off, len) != 0) {
        throw new WireFormatException(Reason.BAD_CHECKSUM, "RFC 1071 sum mismatch");
      }
      pos += 4;
    }
    int key = 0;
    if (k) {
      key = get32(b, pos);
      pos += 4;
    }
    int seq = s ? get32(b, pos) : 0;
    return new GreHeader(get16(b, off + 2), c, checksum, k, key, s, seq);
  }

  /**
   * Cheap check for demultiplexing: version 0, no forbidden flag bits, and long enough for the
   * header its flags announce. Does not verify a checksum.
   */
  public static boolean looksLike(byte[] b, int off, int len) {
    if (len < BASE_LENGTH) {
      return false;
    }
    int flags = get16(b, off);
    if ((flags & (VERSION_MASK | FLAGS_MUST_BE_ZERO)) != 0) {
      return false;
    }
    int need =
        BASE_LENGTH
            + ((flags & FLAG_C) != 0 ? 4 : 0)
            + ((flags & FLAG_K) != 0 ? 4 : 0)
            + ((flags & FLAG_S) != 0 ? 4 : 0);
    return len >= need;
  }

  /**
   * Computes and stores the checksum of the GRE packet {@code b[off, off+len)} whose header has the
   * C bit (RFC 2784 §2.5: the one's complement sum over header and payload, checksum field 0).
   */
  public static void fillChecksum(byte[] b, int off, int len) {
    put16(b, off + 4, 0);
    put16(b, off + 4, Checksums.internet(b, off, len));
  }

  private static int get16(byte[] b, int off) {
    return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
  }

  private static int get32(byte[] b, int off) {
    return (get16(b, off) << 16) | get16(b, off + 2);
  }

  private static void put16(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 8);
    b[off + 1] = (byte) v;
  }

  private static void put32(byte[] b, int off, int v) {
    put16(b, off, v >>> 16);
    put16(b, off + 2, v);
  }
}
