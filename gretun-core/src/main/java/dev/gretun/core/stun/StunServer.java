package dev.gretun.core.stun;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Binding-only STUN server (RFC 8489): answers each valid Binding request with
 * XOR-MAPPED-ADDRESS, SOFTWARE and FINGERPRINT, and silently drops everything else (other methods,
 * indications, malformed datagrams, unknown comprehension-required attributes, sources over their
 * rate limit). Started with {@link #startWithAlternates} it also binds port+1 of every address and
 * answers RFC 5780 CHANGE-REQUEST with OTHER-ADDRESS (see {@link StunResponder}), so a client can
 * tell its NAT's filtering. One platform thread per socket, over blocking {@link DatagramChannel}s.
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

  private final List<DatagramChannel> channels;
  private final List<InetSocketAddress> localAddresses;
  private final StunResponder responder;
  private final Options options;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicLong answered = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicReference<InetSocketAddress> lastAnswered = new AtomicReference<>();
  private final Map<InetAddress, long[]> windows = new HashMap<>(); // guarded by itself

  private StunServer(List<DatagramChannel> channels, boolean alternates, Options options)
      throws IOException {
    this.channels = List.copyOf(channels);
    var locals = new ArrayList<InetSocketAddress>();
    for (DatagramChannel ch : channels) {
      locals.add((InetSocketAddress) ch.getLocalAddress());
    }
    this.localAddresses = List.copyOf(locals);
    this.options = options;
    this.responder = new StunResponder(localAddresses, alternates, options.software());
    for (int i = 0; i < channels.size(); i++) {
      int socket = i;
      threads.add(
          Thread.ofPlatform()
              .name("stun-server-" + localAddresses.get(i).getPort())
              .daemon()
              .unstarted(() -> serve(socket)));
    }
  }

  /** Binds {@code bind} and starts serving on a thread of its own (plain RFC 8489 server). */
  public static StunServer start(InetSocketAddress bind, Options options) throws IOException {
    return start(List.of(bind), false, options);
  }

  /**
   * Binds every address of {@code binds} and, next to each, its port + 1, and serves RFC 5780
   * CHANGE-REQUEST between them (change IP needs two addresses). Port 0 is refused: the alternate
   * port is derived from the bound one.
   */
  public static StunServer startWithAlternates(List<InetSocketAddress> binds, Options options)
      throws IOException {
    var all = new ArrayList<InetSocketAddress>();
    for (InetSocketAddress b : binds) {
      if (b.getPort() == 0 || b.getPort() == 65535) {
        throw new IllegalArgumentException("STUN port must be 1..65534 (port+1 is the alternate)");
      }
      all.add(b);
      all.add(new InetSocketAddress(b.getAddress(), b.getPort() + 1));
    }
    return start(all, true, options);
  }

  private static StunServer start(List<InetSocketAddress> binds, boolean alternates, Options o)
      throws IOException {
    var channels = new ArrayList<DatagramChannel>();
    try {
      for (InetSocketAddress bind : binds) {
        DatagramChannel ch =
            bind.getAddress() != null && bind.getAddress().getAddress().length == 4
                ? DatagramChannel.open(StandardProtocolFamily.INET)
                : DatagramChannel.open();
        channels.add(ch);
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, false);
        ch.bind(bind);
      }
      StunServer server = new StunServer(channels, alternates, o);
      server.threads.forEach(Thread::start);
      LOG.info("stun_server_listening addr={}", server.localAddresses);
      return server;
    } catch (IOException | RuntimeException e) {
      for (DatagramChannel ch : channels) {
        ch.close();
      }
      throw e;
    }
  }

  /** The first bound address (the listen port of the first address). */
  public InetSocketAddress localAddress() {
    return localAddresses.getFirst();
  }

  /** Every bound address: per listen address, its port and (RFC 5780 mode) its alternate port. */
  public List<InetSocketAddress> localAddresses() {
    return localAddresses;
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
    for (DatagramChannel ch : channels) {
      try {
        ch.close();
      } catch (IOException e) {
        LOG.warn("stun_server_close_failed error={}", e.toString());
      }
    }
    try {
      for (Thread t : threads) {
        t.join(5_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void serve(int socket) {
    DatagramChannel channel = channels.get(socket);
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
      StunResponder.Answer answer = responder.respond(in.array(), in.limit(), from, socket, out);
      if (answer == null || !allow(from.getAddress(), System.nanoTime())) {
        dropped.incrementAndGet();
        continue;
      }
      try {
        channels.get(answer.fromSocket()).send(ByteBuffer.wrap(out, 0, answer.length()), from);
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

  /** Fixed one-second window per source IP, shared by all sockets. */
  private boolean allow(InetAddress source, long now) {
    int limit = options.maxRequestsPerSecondPerSource();
    if (limit == 0) {
      return true;
    }
    synchronized (windows) {
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
}
