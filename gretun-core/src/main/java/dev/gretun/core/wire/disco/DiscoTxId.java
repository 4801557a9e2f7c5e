package dev.gretun.core.wire.disco;

import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * A disco transaction id: 12 random bytes, written in JSON as 24 lowercase hex characters. A pong
 * echoes its ping's id; the daemon accepts only pongs whose id it is waiting for.
 */
public record DiscoTxId(long hi, int lo) {
  public static final int BYTES = 12;

  /** A fresh id; pass a {@link java.security.SecureRandom} (ids must be unguessable). */
  public static DiscoTxId random(RandomGenerator random) {
    return new DiscoTxId(random.nextLong(), random.nextInt());
  }

  /** Parses exactly 24 hex characters. */
  public static DiscoTxId fromHex(String hex) {
    if (hex.length() != 2 * BYTES) {
      throw new IllegalArgumentException("tx must be 24 hex characters");
    }
    byte[] b = HexFormat.of().parseHex(hex);
    long hi = 0;
    for (int i = 0; i < 8; i++) {
      hi = (hi << 8) | (b[i] & 0xFF);
    }
    int lo = 0;
    for (int i = 8; i < 12; i++) {
      lo = (lo << 8) | (b[i] & 0xFF);
    }
    return new DiscoTxId(hi, lo);
  }

  public String hex() {
    return HexFormat.of().toHexDigits(hi) + HexFormat.of().toHexDigits(lo);
  }

  @Override
  public String toString() {
    return hex();
  }
}
