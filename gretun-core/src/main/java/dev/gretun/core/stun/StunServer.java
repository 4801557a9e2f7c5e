package dev.gretun.core.stun;

import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.stun.Stun;
import dev.gretun.core.wire.stun.StunMessage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Binding-only STUN server (RFC 8489): answers each valid Binding request with
 * XOR-MAPPED-ADDRESS, SOFTWARE and FINGERPRINT, and silently drops everything else (other methods,
 * indications, malformed datagrams, unknown comprehension-required attributes, sources over their
 * rate limit). It serves on one platform thread of its own over a blocking {@link DatagramChannel}.
 */
public final class StunServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StunServer.class);
  private static final int MAX_DATAGRAM = 2048;

  /** Bound on rate-limit state: when this many sources are tracked the table starts over. */
  private static final int MAX_TRACKED_SOURCES = 65_536;

  /**
   * @param software sent in the SOFTWARE attribute (empty = omit); fewer than 128 characters
   * @param maxRequestsPerSecondPerSource requests answered per source IP per second; 0 = no limit
   */
  public record Options(String software, int maxRequestsPerSecondPerSource) {
    public Options {
      if (software == null || software.length() >= 128) {
        throw new IllegalArgumentException("software must be non-null and under 128 characters");
      }
      if (maxRequestsPerSecondPerSource < 0) {
        throw new IllegalArgumentException("rate limit must be >= 0");
      }
    }

    public static Options defaults() {
      return new Options("gretun", 20);
    }
  }

  private final DatagramChannel channel;
  private final Options options;
  private final InetSocketAddress localAddress;
  private final Thread thread;
  private final AtomicLong answered = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicReference<InetSocketAddress> lastAnswered = new AtomicReference<>();
  // Rate-limit windows, touched only by the serving thread.
  private final Map<InetAddress, long[]> windows = new HashMap<>();

  private StunServer(DatagramChannel channel, Options options) throws IOException {
    this.channel = channel;
    this.options = options;
    this.localAddress = (InetSocketAddress) channel.getLocalAddress();
    this.thread =
        Thread.ofPlatform()
            .name("stun-server-" + localAddress.getPort())
            .daemon()
            .unstarted(this::serve);
  }

  /** Binds {@code bind} and starts serving on a thread of its own. */
  public static StunServer start(InetSocketAddress bind, Options options) throws IOException {
    DatagramChannel ch =
        bind.getAddress() != null && bind.getAddress().getAddress().length == 4
            ? DatagramChannel.open(StandardProtocolFamily.INET)
            : DatagramChannel.open();
    try {
      ch.setOption(StandardSocketOptions.SO_REUSEADDR, false);
      ch.bind(bind);
      StunServer server = new StunServer(ch, options);
      server.thread.start();
      LOG.info("stun_server_listening addr={}", server.localAddress);
      return server;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  public InetSocketAddress localAddress() {
    return localAddress;
  }

  /** Binding requests answered so far. */
  public long requestsAnswered() {
    return answered.get();
  }

  /** Datagrams dropped so far (malformed, not a Binding request, or rate-limited). */
  public long requestsDropped() {
    return dropped.get();
  }

  /** The source of the most recently answered request ({@code null} before the first). */
  public InetSocketAddress lastAnswered() {
    return lastAnswered.get();
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.warn("stun_server_close_failed error={}", e.toString());
    }
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void serve() {
    ByteBuffer in = ByteBuffer.allocate(MAX_DATAGRAM);
    byte[] out = new byte[256];
    while (channel.isOpen()) {
      InetSocketAddress from;
      in.clear();
      try {
        from = (InetSocketAddress) channel.receive(in);
      } catch (ClosedChannelException e) {
        break;
      } catch (IOException e) {
        LOG.warn("stun_server_receive_failed error={}", e.toString());
        continue;
      }
      in.flip();
      int n = respond(in.array(), in.limit(), from, out);
      if (n < 0) {
        dropped.incrementAndGet();
        continue;
      }
      try {
        channel.send(ByteBuffer.wrap(out, 0, n), from);
        answered.incrementAndGet();
        lastAnswered.set(from);
      } catch (ClosedChannelException e) {
        break;
      } catch (IOException e) {
        dropped.incrementAndGet();
        LOG.debug("stun_server_send_failed to={} error={}", from, e.toString());
      }
    }
  }

  /** Encodes the answer to {@code request} into {@code out}; -1 if it is to be dropped. */
  private int respond(byte[] request, int len, InetSocketAddress from, byte[] out) {
    if (!StunMessage.looksLike(request, 0, len)) {
      return -1;
    }
    StunMessage msg;
    try {
      msg = StunMessage.parse(request, 0, len);
    } catch (WireFormatException e) {
      LOG.debug("stun_server_drop from={} reason={}", from, e.getMessage());
      return -1;
    }
    if (msg.type() != Stun.BINDING_REQUEST || !allow(from.getAddress(), System.nanoTime())) {
      return -1;
    }
    return StunMessage.bindingSuccess(msg.transactionId(), from, options.software())
        .encodeTo(out, 0);
  }

  /** Fixed one-second window per source IP. */
  private boolean allow(InetAddress source, long now) {
    int limit = options.maxRequestsPerSecondPerSource();
    if (limit == 0) {
      return true;
    }
    long[] w = windows.get(source);
    if (w == null) {
      if (windows.size() >= MAX_TRACKED_SOURCES) {
        windows.clear();
      }
      w = new long[] {now, 0};
      windows.put(source, w);
    }
    if (now - w[0] >= 1_000_000_000L) {
      w[0] = now;
      w[1] = 0;
    }
    return ++w[1] <= limit;
  }
}
