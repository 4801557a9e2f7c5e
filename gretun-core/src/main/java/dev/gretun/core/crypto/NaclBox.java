package dev.gretun.core.crypto;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import org.bouncycastle.crypto.engines.Salsa20Engine;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * NaCl {@code crypto_box} (curve25519xsalsa20poly1305), libsodium-compatible, in the "easy" layout:
 * a box is the 16-byte Poly1305 tag followed by the XSalsa20 ciphertext (same length as the
 * message).
 *
 * <p>Construction: {@code k = HSalsa20(X25519(sk, pk), 0^16)} ({@link #beforenm}, cache it per
 * peer); XSalsa20 with key k and the 24-byte nonce; keystream bytes 0..31 are the one-time Poly1305
 * key, the message is XORed with keystream from byte 32 on, and the tag authenticates the
 * ciphertext. X25519 is the JDK's; XSalsa20, the Salsa20 core and Poly1305 are Bouncy Castle's.
 */
public final class NaclBox {
  public static final int PUBLIC_KEY_BYTES = 32;
  public static final int SECRET_KEY_BYTES = 32;
  public static final int SHARED_KEY_BYTES = 32;
  public static final int NONCE_BYTES = 24;
  public static final int MAC_BYTES = 16;

  /** "expand 32-byte k" as four little-endian words (the Salsa20 sigma constant). */
  private static final int[] SIGMA = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};

  private NaclBox() {}

  /** Thrown when a box does not authenticate (wrong key, tampered, truncated). */
  public static final class AuthenticationException extends Exception {
    private static final long serialVersionUID = 1L;

    AuthenticationException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * {@code crypto_box_beforenm}: the 32-byte key shared by {@code ourSecret} and {@code
   * theirPublic}. Throws for a small-order public key.
   */
  public static byte[] beforenm(byte[] theirPublic, byte[] ourSecret) throws InvalidKeyException {
    byte[] shared = X25519.sharedSecret(ourSecret, theirPublic);
    return hsalsa20(shared, new byte[16]);
  }

  /** {@code crypto_box_easy}: tag ‖ ciphertext of {@code message}. */
  public static byte[] box(byte[] message, byte[] nonce, byte[] theirPublic, byte[] ourSecret)
      throws InvalidKeyException {
    return seal(beforenm(theirPublic, ourSecret), nonce, message);
  }

  /** {@code crypto_box_open_easy}. */
  public static byte[] boxOpen(byte[] box, byte[] nonce, byte[] theirPublic, byte[] ourSecret)
      throws InvalidKeyException, AuthenticationException {
    return open(beforenm(theirPublic, ourSecret), nonce, box, 0, box.length);
  }

  /** {@code crypto_box_easy_afternm}: tag ‖ ciphertext, with a precomputed shared key. */
  public static byte[] seal(byte[] sharedKey, byte[] nonce, byte[] message) {
    byte[] out = new byte[MAC_BYTES + message.length];
    seal(sharedKey, nonce, message, 0, message.length, out, 0);
    return out;
  }

  /**
   * Seals {@code message[mOff, mOff+mLen)} into {@code out} at {@code outOff} ({@code MAC_BYTES +
   * mLen} bytes: tag then ciphertext). {@code out} may not overlap the message.
   */
  public static void seal(
      byte[] sharedKey, byte[] nonce, byte[] message, int mOff, int mLen, byte[] out, int outOff) {
    XSalsa20Engine stream = stream(sharedKey, nonce);
    byte[] polyKey = new byte[32];
    stream.processBytes(polyKey, 0, 32, polyKey, 0);
    stream.processBytes(message, mOff, mLen, out, outOff + MAC_BYTES);
    Poly1305 mac = new Poly1305();
    mac.init(new KeyParameter(polyKey));
    mac.update(out, outOff + MAC_BYTES, mLen);
    mac.doFinal(out, outOff);
  }

  /** {@code crypto_box_open_easy_afternm} over {@code box[off, off+len)}; returns the message. */
  public static byte[] open(byte[] sharedKey, byte[] nonce, byte[] box, int off, int len)
      throws AuthenticationException {
    if (len < MAC_BYTES) {
      throw new AuthenticationException("box shorter than its 16-byte tag");
    }
    XSalsa20Engine stream = stream(sharedKey, nonce);
    byte[] polyKey = new byte[32];
    stream.processBytes(polyKey, 0, 32, polyKey, 0);
    Poly1305 mac = new Poly1305();
    mac.init(new KeyParameter(polyKey));
    mac.update(box, off + MAC_BYTES, len - MAC_BYTES);
    byte[] tag = new byte[MAC_BYTES];
    mac.doFinal(tag, 0);
    byte[] received = new byte[MAC_BYTES];
    System.arraycopy(box, off, received, 0, MAC_BYTES);
    if (!MessageDigest.isEqual(tag, received)) { // constant time
      throw new AuthenticationException("box authentication failed");
    }
    byte[] message = new byte[len - MAC_BYTES];
    stream.processBytes(box, off + MAC_BYTES, message.length, message, 0);
    return message;
  }

  private static XSalsa20Engine stream(byte[] key, byte[] nonce) {
    if (key.length != SHARED_KEY_BYTES || nonce.length != NONCE_BYTES) {
      throw new IllegalArgumentException("need a 32-byte key and a 24-byte nonce");
    }
    XSalsa20Engine engine = new XSalsa20Engine();
    engine.init(true, new ParametersWithIV(new KeyParameter(key), nonce));
    return engine;
  }

  /**
   * HSalsa20 (the XSalsa20 paper, §2): the Salsa20/20 core without its final addition, output words
   * 0, 5, 10, 15, 6, 7, 8, 9.
   */
  static byte[] hsalsa20(byte[] key, byte[] input16) {
    int[] state = new int[16];
    state[0] = SIGMA[0];
    state[5] = SIGMA[1];
    state[10] = SIGMA[2];
    state[15] = SIGMA[3];
    for (int i = 0; i < 4; i++) {
      state[1 + i] = le32(key, 4 * i);
      state[11 + i] = le32(key, 16 + 4 * i);
      state[6 + i] = le32(input16, 4 * i);
    }
    int[] x = new int[16];
    Salsa20Engine.salsaCore(20, state, x);
    int[] words = {0, 5, 10, 15, 6, 7, 8, 9};
    byte[] out = new byte[32];
    for (int i = 0; i < 8; i++) {
      int w = x[words[i]] - state[words[i]]; // salsaCore adds the input back; undo it
      out[4 * i] = (byte) w;
      out[4 * i + 1] = (byte) (w >>> 8);
      out[4 * i + 2] = (byte) (w >>> 16);
      out[4 * i + 3] = (byte) (w >>> 24);
    }
    return out;
  }

  private static int le32(byte[] b, int off) {
    return (b[off] & 0xFF)
        | (b[off + 1] & 0xFF) << 8
        | (b[off + 2] & 0xFF) << 16
        | (b[off + 3] & 0xFF) << 24;
  }
}
