package dev.gretun.core.wire.gre;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The 32-bit GRE key of a peer pair (docs/PROTOCOL.md "GRE header and pair key"). Both peers
 * compute it from their X25519 shared secret, so it needs no negotiation and nobody without one of
 * the two disco secret keys can compute it (the disco public keys are no secret: the coordinator
 * hands them to every node). It differs per pair, so two peers behind one public IP do not collide
 * in the kernel's (local IP, remote IP, key) tunnel lookup.
 *
 * <p>key = the first 4 bytes (big-endian) of HMAC-SHA256(key = X25519 shared secret,
 * "gretun-gre-key-v2" ‖ lo ‖ hi), where lo and hi are the two 32-byte disco public keys in unsigned
 * lexicographic order; if those 4 bytes are 0 the next 4 are used (0 would look like "no key" in
 * some tools).
 */
public final class PairKey {
  static final byte[] LABEL = "gretun-gre-key-v2".getBytes(StandardCharsets.US_ASCII);

  private PairKey() {}

  /**
   * @param sharedSecret the raw 32-byte X25519 output of the pair (not the NaCl box key derived
   *     from it), the same on both sides
   * @param discoKeyA one side's disco public key
   * @param discoKeyB the other side's
   */
  public static int derive(byte[] sharedSecret, byte[] discoKeyA, byte[] discoKeyB) {
    if (sharedSecret.length != 32 || discoKeyA.length != 32 || discoKeyB.length != 32) {
      throw new IllegalArgumentException("the shared secret and disco keys are 32 bytes");
    }
    boolean aFirst = Arrays.compareUnsigned(discoKeyA, discoKeyB) <= 0;
    Mac mac;
    try {
      mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(sharedSecret, "HmacSHA256"));
    } catch (InvalidKeyException e) {
      throw new IllegalArgumentException("unusable shared secret", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
    mac.update(LABEL);
    mac.update(aFirst ? discoKeyA : discoKeyB);
    mac.update(aFirst ? discoKeyB : discoKeyA);
    byte[] h = mac.doFinal();
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
    return 1; // unreachable in practice: all 32 MAC bytes zero
  }
}
