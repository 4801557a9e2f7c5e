package dev.gretun.core.daemon;

import dev.gretun.core.crypto.NaclBox;
import dev.gretun.core.crypto.X25519;
import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.disco.DiscoEnvelope;
import dev.gretun.core.wire.disco.DiscoMessage;
import dev.gretun.core.wire.gre.PairKey;
import java.security.InvalidKeyException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Seals and opens disco envelopes for this node and derives each pair's GRE key, caching both per
 * peer (the X25519 step costs ~0.2 ms; a punch sends several pings a second). Envelopes carry the
 * wall-clock send time that the receiver's {@link DiscoReplayGuard} checks. Event loop only.
 */
final class DiscoCodec {
  /**
   * What one X25519 agreement gives a pair: the NaCl box key ({@code crypto_box_beforenm}) and the
   * GRE key, derived from the raw X25519 output by {@link PairKey} (not from the box key, so each
   * key serves exactly one primitive).
   */
  private record PairSecrets(byte[] boxKey, int greKey) {}

  private final byte[] ourPublic;
  private final byte[] ourSecret;
  private final InstantSource clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, PairSecrets> pairs = new HashMap<>();

  DiscoCodec(byte[] ourPublic, byte[] ourSecret, InstantSource clock) {
    this.ourPublic = ourPublic.clone();
    this.ourSecret = ourSecret.clone();
    this.clock = clock;
  }

  /** Seals {@code message} for the peer whose disco key is {@code peerB64}, stamped now. */
  byte[] seal(String peerB64, DiscoMessage message) {
    return DiscoEnvelope.seal(message, clock.millis(), ourPublic, pair(peerB64).boxKey(), random);
  }

  /**
   * Opens an envelope from a peer we know ({@code isKnown}); returns the sender's disco key and the
   * opened contents (message, send time, nonce).
   */
  Opened open(byte[] b, int off, int len, Predicate<String> isKnown) throws WireFormatException {
    String sender = Base64.getEncoder().encodeToString(DiscoEnvelope.senderKey(b, off, len));
    if (!isKnown.test(sender)) {
      throw new WireFormatException(
          WireFormatException.Reason.UNKNOWN_SENDER, "sender is not a known peer");
    }
    return new Opened(sender, DiscoEnvelope.open(b, off, len, pair(sender).boxKey()));
  }

  /** The pair's GRE key; IllegalArgumentException when the disco key is unusable. */
  int greKey(String peerB64) {
    return pair(peerB64).greKey();
  }

  /** Drops the cached secrets of peers that {@code keep} does not name. */
  void retain(Predicate<String> keep) {
    pairs.keySet().removeIf(k -> !keep.test(k));
  }

  private PairSecrets pair(String peerB64) {
    PairSecrets p = pairs.get(peerB64);
    if (p == null) {
      p = derive(peerB64);
      pairs.put(peerB64, p);
    }
    return p;
  }

  private PairSecrets derive(String peerB64) {
    byte[] theirPublic = Base64.getDecoder().decode(peerB64);
    if (theirPublic.length != X25519.KEY_BYTES) {
      throw new IllegalArgumentException("peer disco key is not 32 bytes");
    }
    byte[] shared = null;
    try {
      shared = X25519.sharedSecret(ourSecret, theirPublic);
      return new PairSecrets(
          NaclBox.beforenm(theirPublic, ourSecret), PairKey.derive(shared, ourPublic, theirPublic));
    } catch (InvalidKeyException e) {
      throw new IllegalArgumentException("peer disco key is unusable: " + e.getMessage(), e);
    } finally {
      if (shared != null) {
        Arrays.fill(shared, (byte) 0);
      }
    }
  }

  record Opened(String sender, DiscoEnvelope.Opened contents) {
    DiscoMessage message() {
      return contents.message();
    }
  }
}
