package dev.gretun.core.wire.disco;

import dev.gretun.core.crypto.NaclBox;
import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.WireFormatException.Reason;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The sealed disco datagram (docs/PROTOCOL.md "Disco envelope"):
 *
 * <pre>
 * offset 0   6 bytes   magic 54 53 F0 9F 92 AC ("TS" + UTF-8 of U+1F4AC)
 * offset 6   32 bytes  sender's disco public key (X25519)
 * offset 38  24 bytes  random nonce
 * offset 62  16 bytes  Poly1305 tag, then the XSalsa20 ciphertext of the JSON body
 * </pre>
 *
 * The box is NaCl crypto_box from the sender's disco key to the recipient's. The body carries its
 * version and send time ({@link DiscoBody}); the nonce is unique per envelope, so a receiver can
 * remember nonces to refuse exact replays (the nonce is authenticated: changing it breaks the box).
 */
public final class DiscoEnvelope {
  public static final byte[] MAGIC = {
    0x54, 0x53, (byte) 0xF0, (byte) 0x9F, (byte) 0x92, (byte) 0xAC
  };
  public static final int KEY_OFFSET = 6;
  public static final int NONCE_OFFSET = KEY_OFFSET + 32;
  public static final int HEADER_LENGTH = NONCE_OFFSET + NaclBox.NONCE_BYTES; // 62

  /** Header plus an empty box: nothing shorter can be an envelope. */
  public static final int MIN_LENGTH = HEADER_LENGTH + NaclBox.MAC_BYTES; // 78

  public static final int MAX_LENGTH = MIN_LENGTH + DiscoBody.MAX_BODY_BYTES;

  /** Finds the precomputed {@link NaclBox#beforenm} key for a sender, or null if unknown. */
  @FunctionalInterface
  public interface SharedKeyLookup {
    byte[] sharedKeyFor(byte[] senderPublicKey);
  }

  /**
   * An opened envelope.
   *
   * @param sentAtMillis the sender's send time from the body, Unix milliseconds
   * @param nonce the envelope's 24-byte nonce
   */
  public record Opened(DiscoMessage message, long sentAtMillis, byte[] nonce) {}

  private DiscoEnvelope() {}

  /** Cheap demultiplexing check: long enough and starts with the magic. */
  public static boolean isDisco(byte[] b, int off, int len) {
    return len >= MIN_LENGTH && Arrays.equals(b, off, off + MAGIC.length, MAGIC, 0, MAGIC.length);
  }

  /**
   * Seals {@code message}, sent at {@code sentAtMillis} (Unix milliseconds), from {@code
   * senderPublic} with the pair's shared key (from {@link NaclBox#beforenm}), under a fresh random
   * nonce.
   */
  public static byte[] seal(
      DiscoMessage message,
      long sentAtMillis,
      byte[] senderPublic,
      byte[] sharedKey,
      SecureRandom random) {
    if (senderPublic.length != 32) {
      throw new IllegalArgumentException("sender key must be 32 bytes");
    }
    byte[] body = DiscoBody.encode(message, sentAtMillis);
    byte[] out = new byte[MIN_LENGTH + body.length];
    System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
    System.arraycopy(senderPublic, 0, out, KEY_OFFSET, 32);
    byte[] nonce = new byte[NaclBox.NONCE_BYTES];
    random.nextBytes(nonce);
    System.arraycopy(nonce, 0, out, NONCE_OFFSET, nonce.length);
    NaclBox.seal(sharedKey, nonce, body, 0, body.length, out, HEADER_LENGTH);
    return out;
  }

  /** The sender's disco public key of an envelope whose framing is valid. */
  public static byte[] senderKey(byte[] b, int off, int len) throws WireFormatException {
    checkFraming(b, off, len);
    return Arrays.copyOfRange(b, off + KEY_OFFSET, off + KEY_OFFSET + 32);
  }

  /** Opens an envelope, looking the shared key up by the sender key it carries. */
  public static Opened open(byte[] b, int off, int len, SharedKeyLookup keys)
      throws WireFormatException {
    byte[] sender = senderKey(b, off, len);
    byte[] shared = keys.sharedKeyFor(sender);
    if (shared == null) {
      throw new WireFormatException(Reason.UNKNOWN_SENDER, "no key for this sender");
    }
    return open(b, off, len, shared);
  }

  /** Opens an envelope with a known shared key and decodes its body. */
  public static Opened open(byte[] b, int off, int len, byte[] sharedKey)
      throws WireFormatException {
    checkFraming(b, off, len);
    byte[] nonce = Arrays.copyOfRange(b, off + NONCE_OFFSET, off + HEADER_LENGTH);
    byte[] body;
    try {
      body = NaclBox.open(sharedKey, nonce, b, off + HEADER_LENGTH, len - HEADER_LENGTH);
    } catch (NaclBox.AuthenticationException e) {
      throw new WireFormatException(Reason.AUTH_FAILED, "box did not authenticate");
    }
    DiscoBody.Decoded decoded = DiscoBody.decode(body, 0, body.length);
    return new Opened(decoded.message(), decoded.sentAtMillis(), nonce);
  }

  private static void checkFraming(byte[] b, int off, int len) throws WireFormatException {
    if (len < MIN_LENGTH) {
      throw new WireFormatException(
          Reason.TRUNCATED, len + " bytes (expected: " + MIN_LENGTH + "+)");
    }
    if (len > MAX_LENGTH) {
      throw new WireFormatException(Reason.TOO_LARGE, len + " bytes (max " + MAX_LENGTH + ")");
    }
    if (!Arrays.equals(b, off, off + MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new WireFormatException(Reason.BAD_MAGIC, "not a disco envelope");
    }
  }
}
