package dev.gretun.core.daemon;

import dev.gretun.core.crypto.NaclBox;
import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.disco.DiscoEnvelope;
import dev.gretun.core.wire.disco.DiscoMessage;
import java.security.InvalidKeyException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Seals and opens disco envelopes for this node, caching the NaCl shared key per peer (the X25519
 * step costs ~0.2 ms; a punch sends several pings a second). Event loop only.
 */
final class DiscoCodec {
  private final byte[] ourPublic;
  private final byte[] ourSecret;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, byte[]> shared = new HashMap<>();

  DiscoCodec(byte[] ourPublic, byte[] ourSecret) {
    this.ourPublic = ourPublic.clone();
    this.ourSecret = ourSecret.clone();
  }

  /** Seals {@code message} for the peer whose disco key is {@code peerB64}. */
  byte[] seal(String peerB64, DiscoMessage message) {
    return DiscoEnvelope.seal(message, ourPublic, sharedKey(peerB64), random);
  }

  /**
   * Opens an envelope from a peer we know ({@code isKnown}); returns the sender's disco key and the
   * message.
   */
  Opened open(byte[] b, int off, int len, java.util.function.Predicate<String> isKnown)
      throws WireFormatException {
    String sender = Base64.getEncoder().encodeToString(DiscoEnvelope.senderKey(b, off, len));
    if (!isKnown.test(sender)) {
      throw new WireFormatException(
          WireFormatException.Reason.UNKNOWN_SENDER, "sender is not a known peer");
    }
    return new Opened(sender, DiscoEnvelope.open(b, off, len, sharedKey(sender)));
  }

  void forget(String peerB64) {
    shared.remove(peerB64);
  }

  private byte[] sharedKey(String peerB64) {
    return shared.computeIfAbsent(
        peerB64,
        k -> {
          try {
            return NaclBox.beforenm(Base64.getDecoder().decode(k), ourSecret);
          } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("peer disco key is unusable: " + e.getMessage(), e);
          }
        });
  }

  record Opened(String sender, DiscoMessage message) {}
}
