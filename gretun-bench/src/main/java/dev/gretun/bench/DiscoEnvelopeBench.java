package dev.gretun.bench;

import dev.gretun.core.crypto.NaclBox;
import dev.gretun.core.crypto.X25519;
import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.disco.DiscoEnvelope;
import dev.gretun.core.wire.disco.DiscoMessage;
import dev.gretun.core.wire.disco.DiscoTxId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.InvalidKeyException;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Disco envelope seal and open (NaCl box + JSON), with a cached shared key as the daemon uses it. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DiscoEnvelopeBench {
  private final SecureRandom random = new SecureRandom();
  private byte[] senderPublic;
  private byte[] recipientPrivate;
  private byte[] sharedKey;
  private DiscoMessage pong;
  private byte[] sealed;

  @Setup
  public void setUp() throws Exception {
    byte[] a = X25519.generatePrivate(random);
    byte[] b = X25519.generatePrivate(random);
    recipientPrivate = b;
    senderPublic = X25519.publicKey(a);
    sharedKey = NaclBox.beforenm(X25519.publicKey(b), a);
    pong =
        new DiscoMessage.Pong(
            DiscoTxId.random(random),
            new InetSocketAddress(InetAddress.getByName("203.0.113.7"), 7777));
    sealed = DiscoEnvelope.seal(pong, senderPublic, sharedKey, random);
  }

  @Benchmark
  public byte[] sealPong() {
    return DiscoEnvelope.seal(pong, senderPublic, sharedKey, random);
  }

  @Benchmark
  public DiscoMessage openPong() throws WireFormatException {
    return DiscoEnvelope.open(sealed, 0, sealed.length, sharedKey);
  }

  /** The per-peer cost the shared-key cache avoids (X25519 + HSalsa20). */
  @Benchmark
  public byte[] beforenm() throws InvalidKeyException {
    return NaclBox.beforenm(senderPublic, recipientPrivate);
  }
}
