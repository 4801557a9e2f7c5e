package dev.gretun.core.wire.gre;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The 32-bit GRE key of a peer pair. Both peers compute it from the two disco public keys, so it
 * needs no negotiation, and it differs per pair, so two peers behind one public IP do not collide
 * in the kernel's (local IP, remote IP, key) tunnel lookup (DESIGN.md §3.2).
 *
 * <p>key = the first 4 bytes (big-endian) of SHA-256("gretun-gre-key-v1" ‖ lo ‖ hi), where lo and
 * hi are the two 32-byte keys in unsigned lexicographic order; if those 4 bytes are 0 the next 4
 * are used (0 would look like "no key" in some tools).
 */
public final class PairKey {
  static final byte[] LABEL = "gretun-gre-key-v1".getBytes(StandardCharsets.US_ASCII);

  private PairKey() {}

  public static int derive(byte[] discoKeyA, byte[] discoKeyB) {
    if (discoKeyA.length != 32 || discoKeyB.length != 32) {
      throw new IllegalArgumentException("disco keys are 32 bytes");
    }
    boolean aFirst = Arrays.compareUnsigned(discoKeyA, discoKeyB) <= 0;
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
    sha.update(LABEL);
    sha.update(aFirst ? discoKeyA : discoKeyB);
    sha.update(aFirst ? discoKeyB : discoKeyA);
    byte[] h = sha.digest();
    for (int i = 0; i + 4 <= h.length; i += 4) {
      int key =
          ((h[i] & 0xFF) << 24)
              | ((h[i + 1] & 0xFF) << 16)
              | ((h[i + 2] & 0xFF) << 8)
              | (h[i + 3] & 0xFF);
      if (key != 0) {
        return key;
      }
    }
    return 1; // unreachable in practice: all 32 digest bytes zero
  }
}
