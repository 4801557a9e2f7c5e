package dev.gretun.core.wire.stun;

import java.util.HexFormat;
import java.util.random.RandomGenerator;

/** The 96-bit STUN transaction id (RFC 8489 §5), as a value usable as a map key. */
public record TransactionId(long hi, int lo) {
  public static final int LENGTH = 12;

  /** A fresh id; pass a {@link java.security.SecureRandom} (ids must be unpredictable). */
  public static TransactionId random(RandomGenerator random) {
    return new TransactionId(random.nextLong(), random.nextInt());
  }

  public static TransactionId read(byte[] b, int off) {
    long hi = 0;
    for (int i = 0; i < 8; i++) {
      hi = (hi << 8) | (b[off + i] & 0xFF);
    }
    int lo = 0;
    for (int i = 8; i < 12; i++) {
      lo = (lo << 8) | (b[off + i] & 0xFF);
    }
    return new TransactionId(hi, lo);
  }

  public static TransactionId fromHex(String hex) {
    byte[] b = HexFormat.of().parseHex(hex);
    if (b.length != LENGTH) {
      throw new IllegalArgumentException("transaction id must be 12 bytes: " + hex);
    }
    return read(b, 0);
  }

  public void write(byte[] out, int off) {
    for (int i = 0; i < 8; i++) {
      out[off + i] = (byte) (hi >>> (56 - 8 * i));
    }
    for (int i = 0; i < 4; i++) {
      out[off + 8 + i] = (byte) (lo >>> (24 - 8 * i));
    }
  }

  public byte[] toBytes() {
    byte[] b = new byte[LENGTH];
    write(b, 0);
    return b;
  }

  @Override
  public String toString() {
    return HexFormat.of().formatHex(toBytes());
  }
}
