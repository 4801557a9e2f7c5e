package dev.gretun.core.dataplane.kernel;

import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.dataplane.DiscoStunPacket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Predicate;

/**
 * Disco/STUN I/O on port P beside the kernel's FOU socket: {@link RawTap} (raw socket out,
 * AF_PACKET in) for real, a fake in tests.
 */
public interface DiscoStunIo extends AutoCloseable {
  /** Sends one datagram from P; {@code ttl} 0 = default. False when the kernel dropped it. */
  boolean send(byte[] data, int off, int len, InetSocketAddress to, int ttl) throws IOException;

  /** Receives until {@link #stop()}, on the calling thread. */
  void run(Predicate<DiscoStunPacket> sink, DataplaneCounters counters) throws IOException;

  /** Makes {@link #run} return soon. */
  void stop();

  /** Releases the sockets (after {@link #run} returned). */
  @Override
  void close();

  /** The real one: {@link RawUdpSender} and {@link PacketTap}. */
  final class RawTap implements DiscoStunIo {
    private final RawUdpSender sender;
    private final PacketTap tap;

    public RawTap(RawUdpSender sender, PacketTap tap) {
      this.sender = sender;
      this.tap = tap;
    }

    @Override
    public boolean send(byte[] data, int off, int len, InetSocketAddress to, int ttl)
        throws IOException {
      return sender.send(data, off, len, to, ttl);
    }

    @Override
    public void run(Predicate<DiscoStunPacket> sink, DataplaneCounters counters)
        throws IOException {
      tap.run(sink, counters);
    }

    @Override
    public void stop() {
      tap.stop();
    }

    @Override
    public void close() {
      sender.close();
      tap.close();
    }
  }
}
