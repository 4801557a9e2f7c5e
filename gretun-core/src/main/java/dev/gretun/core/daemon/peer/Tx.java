package dev.gretun.core.daemon.peer;

import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * A disco ping transaction id: 12 random bytes, held as a value (records compare arrays by
 * identity, so the bytes live in two primitives).
 */
public record Tx(long hi, int lo) {
  public static final int LENGTH = 12;

  public static Tx random(RandomGenerator random) {
    return new Tx(random.nextLong(), random.nextInt());
  }

  /** Reads exactly {@value #LENGTH} bytes, big-endian. */
  public static Tx of(byte[] bytes) {
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException("tx must be 12 bytes, got " + bytes.length);
    }
    long hi = 0;
    for (int i = 0; i < 8; i++) {
      hi = (hi << 8) | (bytes[i] & 0xff);
    }
    int lo = 0;
    for (int i = 8; i < LENGTH; i++) {
      lo = (lo << 8) | (bytes[i] & 0xff);
    }
    return new Tx(hi, lo);
  }

  public byte[] toBytes() {
    byte[] b = new byte[LENGTH];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (hi >>> (56 - 8 * i));
    }
    for (int i = 0; i < 4; i++) {
      b[8 + i] = (byte) (lo >>> (24 - 8 * i));
    }
    return b;
  }

  /** 24 lowercase hex digits. */
  @Override
  public String toString() {
    return HexFormat.of().formatHex(toBytes());
  }
}
