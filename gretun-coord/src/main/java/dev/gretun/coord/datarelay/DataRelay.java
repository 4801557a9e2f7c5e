package dev.gretun.coord.datarelay;

import dev.gretun.core.GretunException;
import dev.gretun.core.util.HostPort;
import dev.gretun.core.util.Ticker;
import dev.gretun.core.wire.relay.RelayBind;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's data relay (docs/COORD.md "Data relay"): one UDP port where nodes bind their
 * port P with a signed {@link RelayBind} sent from P, and whose keyed GRE datagrams it forwards,
 * unchanged, to the bound peer that {@link RelayTable} names. It reads the first 8 bytes of a GRE
 * datagram (flags, protocol, key) and never the inner packet. One platform thread owns all state.
 */
public final class DataRelay implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataRelay.class);
  private static final int KEYED_IPV4_GRE = 0x2000_0800;
  private static final long WINDOW_MILLIS = 60_000;
  private static final long BINDS_PER_SECOND_PER_IP = 10;
  private static final int MAX_BIND_LIMITERS = 65_536;
  private static final int EXPIRE_EVERY_MILLIS = 1000;

  private final DatagramSocket socket;
  private final RelayTable table;
  private final BindAdmission admission;
  private final RelayCounters counters;
  private final Ticker ticker;
  private final Map<InetAddress, TokenBucket> bindLimiters = new HashMap<>();
  private final Thread thread;
  private volatile boolean running = true;

  private DataRelay(
      DatagramSocket socket,
      RelaySettings settings,
      Predicate<String> isMember,
      MeterRegistry registry,
      InstantSource clock,
      Ticker ticker) {
    this.socket = socket;
    this.ticker = ticker;
    this.table =
        new RelayTable(
            settings.packetsPerSecond(), settings.bytesPerSecond(), settings.bindTtl().toNanos());
    this.admission =
        new BindAdmission(isMember, clock, WINDOW_MILLIS, fixedIp(settings), socket.getLocalPort());
    this.counters = new RelayCounters(registry);
    this.thread = Thread.ofPlatform().name("coord-relay").daemon().unstarted(this::loop);
  }

  /**
   * Binds the relay's UDP port and starts its thread.
   *
   * @param isMember whether a base64 node key is registered (only members may bind)
   */
  public static DataRelay start(
      RelaySettings settings,
      Predicate<String> isMember,
      MeterRegistry registry,
      InstantSource clock,
      Ticker ticker) {
    DatagramSocket socket;
    try {
      socket = new DatagramSocket(settings.listen());
      socket.setSoTimeout(EXPIRE_EVERY_MILLIS);
      socket.setReceiveBufferSize(4 << 20);
      socket.setSendBufferSize(4 << 20);
    } catch (IOException e) {
      throw new GretunException(
          "relay_bind",
          "cannot bind the data relay on UDP "
              + HostPort.format(settings.listen())
              + ": "
              + e.getMessage()
              + " (pass --relay-listen HOST:PORT or --relay-listen off)");
    }
    DataRelay relay = new DataRelay(socket, settings, isMember, registry, clock, ticker);
    relay.thread.start();
    LOG.info(
        "relay_listen addr={} packets_per_second={} bytes_per_second={} bind_ttl={}",
        HostPort.format(relay.localAddress()),
        settings.packetsPerSecond(),
        settings.bytesPerSecond(),
        settings.bindTtl());
    return relay;
  }

  /** The IPv4 address binds must name: the advertised literal, else a specific listen address. */
  private static int fixedIp(RelaySettings s) {
    InetAddress ip = null;
    if (s.advertise() != null) {
      try {
        InetSocketAddress a = HostPort.parse(s.advertise());
        ip = a.isUnresolved() ? null : a.getAddress();
      } catch (IllegalArgumentException e) {
        ip = null;
      }
    } else if (s.listen().getAddress() != null && !s.listen().getAddress().isAnyLocalAddress()) {
      ip = s.listen().getAddress();
    }
    return ip instanceof Inet4Address v4 ? ByteBuffer.wrap(v4.getAddress()).getInt() : 0;
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) socket.getLocalSocketAddress();
  }

  private void loop() {
    byte[] buf = new byte[65_535];
    DatagramPacket packet = new DatagramPacket(buf, buf.length);
    long lastExpiry = ticker.nanos();
    while (running) {
      packet.setLength(buf.length);
      boolean got = true;
      try {
        socket.receive(packet);
      } catch (SocketTimeoutException e) {
        got = false;
      } catch (SocketException e) {
        if (running) {
          LOG.error("relay_failed error=\"{}\"", e.getMessage());
        }
        return;
      } catch (IOException e) {
        counters.malformed.increment();
        continue;
      }
      long now = ticker.nanos();
      if (got) {
        handle(packet, now);
      }
      if (now - lastExpiry >= EXPIRE_EVERY_MILLIS * 1_000_000L) {
        lastExpiry = now;
        int gone = table.expire(now);
        admission.retainMembers();
        counters.bindings.set(table.bindings());
        if (gone > 0) {
          LOG.info("relay_bindings_expired count={}", gone);
        }
      }
    }
  }

  private void handle(DatagramPacket p, long now) {
    byte[] b = p.getData();
    int len = p.getLength();
    InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
    if (len >= 8 && ByteBuffer.wrap(b, 0, 4).getInt() == KEYED_IPV4_GRE) {
      forward(b, len, from, now);
    } else if (RelayBind.isBind(b, 0, len)) {
      bind(b, len, from, now);
    } else {
      counters.malformed.increment();
    }
  }

  private void forward(byte[] b, int len, InetSocketAddress from, long now) {
    int key = ByteBuffer.wrap(b, 4, 4).getInt();
    RelayTable.Forward f = table.forward(from, key, len, now);
    counters.packets.get(f.result()).increment();
    if (f.to() == null) {
      return;
    }
    try {
      socket.send(new DatagramPacket(b, 0, len, f.to()));
      counters.forwardedBytes.add(len);
    } catch (IOException e) {
      counters.sendFailed.increment();
    }
  }

  private void bind(byte[] b, int len, InetSocketAddress from, long now) {
    if (!bindAllowed(from.getAddress(), now)) {
      counters.bindsRateLimited.increment();
      return;
    }
    BindAdmission.Verdict v = admission.admit(b, 0, len);
    counters.binds.get(v.outcome()).increment();
    if (v.outcome() != BindAdmission.Outcome.ACCEPTED) {
      LOG.debug("relay_bind_refused from={} reason={}", HostPort.format(from), v.outcome().label());
      return;
    }
    InetSocketAddress before = table.sourceOf(v.node());
    if (!table.bind(v.node(), from, v.keyByPeer(), now)) {
      counters.bindsSourceTaken.increment();
      LOG.debug("relay_bind_refused from={} reason=source_taken", HostPort.format(from));
      return;
    }
    counters.bindings.set(table.bindings());
    if (!from.equals(before)) {
      LOG.info(
          "relay_bound node={} source={} pairs={}",
          v.node().substring(0, 8),
          HostPort.format(from),
          v.keyByPeer().size());
    }
  }

  /** At most {@link #BINDS_PER_SECOND_PER_IP} signature checks a second per source address. */
  private boolean bindAllowed(InetAddress ip, long now) {
    if (bindLimiters.size() >= MAX_BIND_LIMITERS && !bindLimiters.containsKey(ip)) {
      bindLimiters.clear(); // a flood of addresses: start over rather than grow
    }
    return bindLimiters
        .computeIfAbsent(ip, k -> new TokenBucket(BINDS_PER_SECOND_PER_IP, now))
        .take(1, now);
  }

  /** Counters, for tests. */
  long packets(String result) {
    for (RelayTable.Result r : RelayTable.Result.values()) {
      if (r.label().equals(result)) {
        return counters.packets(r);
      }
    }
    throw new IllegalArgumentException(result);
  }

  /** Bind counters, for tests. */
  long binds(BindAdmission.Outcome outcome) {
    return counters.binds(outcome);
  }

  long bindsSourceTaken() {
    return counters.bindsSourceTaken.sum();
  }

  @Override
  public void close() {
    running = false;
    socket.close();
    try {
      thread.join(Duration.ofSeconds(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
