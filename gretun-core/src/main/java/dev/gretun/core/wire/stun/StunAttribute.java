package dev.gretun.core.wire.stun;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/** A STUN attribute (RFC 8489 §14). Attributes we do not interpret are kept as {@link Opaque}. */
public sealed interface StunAttribute
    permits StunAttribute.MappedAddress,
        StunAttribute.Software,
        StunAttribute.ErrorCode,
        StunAttribute.Fingerprint,
        StunAttribute.ChangeRequest,
        StunAttribute.OtherAddress,
        StunAttribute.Opaque {

  /** The 16-bit attribute type. */
  int type();

  /**
   * The reflexive transport address: XOR-MAPPED-ADDRESS 0x0020 (RFC 8489 §14.2) when {@code xor},
   * else the legacy MAPPED-ADDRESS 0x0001 (§14.1, not XORed; used as a fallback only).
   */
  record MappedAddress(InetSocketAddress address, boolean xor) implements StunAttribute {
    public MappedAddress {
      Objects.requireNonNull(address.getAddress(), "address must be resolved");
    }

    @Override
    public int type() {
      return xor ? Stun.ATTR_XOR_MAPPED_ADDRESS : Stun.ATTR_MAPPED_ADDRESS;
    }
  }

  /** SOFTWARE 0x8022 (RFC 8489 §14.14): UTF-8, fewer than 128 characters. */
  record Software(String text) implements StunAttribute {
    public Software {
      if (text.length() >= 128) {
        throw new IllegalArgumentException("SOFTWARE must be shorter than 128 characters");
      }
    }

    @Override
    public int type() {
      return Stun.ATTR_SOFTWARE;
    }
  }

  /** ERROR-CODE 0x0009 (RFC 8489 §14.8): code 300..699 and a UTF-8 reason phrase. */
  record ErrorCode(int code, String reason) implements StunAttribute {
    public ErrorCode {
      if (code < 300 || code > 699) {
        throw new IllegalArgumentException("error code must be 300..699: " + code);
      }
      Objects.requireNonNull(reason);
    }

    @Override
    public int type() {
      return Stun.ATTR_ERROR_CODE;
    }
  }

  /**
   * CHANGE-REQUEST 0x0003 (RFC 5780 §7.2): a 32-bit value whose bit 0x04 asks for an answer from
   * the server's other IP and bit 0x02 from its other port; the other bits are ignored on receipt.
   */
  record ChangeRequest(boolean changeIp, boolean changePort) implements StunAttribute {
    @Override
    public int type() {
      return Stun.ATTR_CHANGE_REQUEST;
    }
  }

  /**
   * OTHER-ADDRESS 0x802C (RFC 5780 §7.4): where a CHANGE-REQUEST would be answered from; encoded
   * like MAPPED-ADDRESS (not XORed).
   */
  record OtherAddress(InetSocketAddress address) implements StunAttribute {
    public OtherAddress {
      Objects.requireNonNull(address.getAddress(), "address must be resolved");
    }

    @Override
    public int type() {
      return Stun.ATTR_OTHER_ADDRESS;
    }
  }

  /**
   * FINGERPRINT 0x8028 (RFC 8489 §14.7). The parser verifies the CRC; the encoder computes it, so
   * the record carries no value. It is always the last attribute.
   */
  record Fingerprint() implements StunAttribute {
    @Override
    public int type() {
      return Stun.ATTR_FINGERPRINT;
    }
  }

  /**
   * An attribute we carry but do not interpret (MESSAGE-INTEGRITY, USERNAME, comprehension-optional
   * attributes we do not know, ...). The value excludes padding.
   */
  record Opaque(int type, byte[] value) implements StunAttribute {
    public Opaque {
      if (type < 0 || type > 0xFFFF || value.length > 0xFFFF) {
        throw new IllegalArgumentException("bad attribute type or length");
      }
      value = value.clone();
    }

    @Override
    public byte[] value() {
      return value.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Opaque other && other.type == type && Arrays.equals(other.value, value);
    }

    @Override
    public int hashCode() {
      return 31 * type + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return String.format("Opaque[type=0x%04x, value=%s]", type, HexFormat.of().formatHex(value));
    }
  }
}
