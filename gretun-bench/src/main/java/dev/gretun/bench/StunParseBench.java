package dev.gretun.bench;

import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.demux.PortDemux;
import dev.gretun.core.wire.stun.StunMessage;
import dev.gretun.core.wire.stun.TransactionId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** STUN parse/encode of a typical Binding success response, and the port-P demux check. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class StunParseBench {
  private byte[] response;
  private StunMessage message;
  private final byte[] out = new byte[128];

  @Setup
  public void setUp() throws Exception {
    message =
        StunMessage.bindingSuccess(
            TransactionId.random(new SplittableRandom(1)),
            new InetSocketAddress(InetAddress.getByName("203.0.113.7"), 7777),
            "gretun");
    response = message.encode();
  }

  @Benchmark
  public StunMessage parseBindingSuccess() throws WireFormatException {
    return StunMessage.parse(response, 0, response.length);
  }

  @Benchmark
  public int encodeBindingSuccess() {
    return message.encodeTo(out, 0);
  }

  @Benchmark
  public PortDemux.Kind demux() {
    return PortDemux.classify(response, 0, response.length);
  }
}
