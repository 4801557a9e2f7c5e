package dev.gretun.coord.http;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps on open connections, checked at accept: per client address (IPv6 clients by /64, since one
 * host gets a whole /64) and in total, the total kept below the process's file descriptor limit so
 * that accept never fails with EMFILE. An admitted connection is counted until it closes.
 */
final class ConnectionCaps {
  private final int perIp;
  private final int total;
  private final ConnectionMetrics metrics;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<InetAddress, Integer> byClient = new ConcurrentHashMap<>();

  /** {@code perIp} 0 = no per-client cap; {@code total} must be positive. */
  ConnectionCaps(int perIp, int total, ConnectionMetrics metrics) {
    if (total <= 0) {
      throw new IllegalArgumentException("total connection cap must be positive");
    }
    this.perIp = perIp;
    this.total = total;
    this.metrics = metrics;
  }

  int total() {
    return total;
  }

  /** Connections admitted and not yet closed. */
  int open() {
    return open.get();
  }

  /** Counts {@code ch} in, or returns why it is refused (then nothing is counted). */
  ConnectionMetrics.Refusal admit(Channel ch) {
    if (open.incrementAndGet() > total) {
      open.decrementAndGet();
      metrics.refused(ConnectionMetrics.Refusal.TOTAL);
      return ConnectionMetrics.Refusal.TOTAL;
    }
    InetAddress client =
        perIp > 0 && ch.remoteAddress() instanceof InetSocketAddress a
            ? clientKey(a.getAddress())
            : null;
    if (client != null && byClient.merge(client, 1, Integer::sum) > perIp) {
      release(client);
      open.decrementAndGet();
      metrics.refused(ConnectionMetrics.Refusal.PER_IP);
      return ConnectionMetrics.Refusal.PER_IP;
    }
    ch.closeFuture()
        .addListener(
            f -> {
              if (client != null) {
                release(client);
              }
              open.decrementAndGet();
            });
    return null;
  }

  private void release(InetAddress client) {
    byClient.computeIfPresent(client, (k, n) -> n == 1 ? null : n - 1);
  }

  /** Connections counted for {@code address}'s client key (tests). */
  int countFor(InetAddress address) {
    return byClient.getOrDefault(clientKey(address), 0);
  }

  static InetAddress clientKey(InetAddress address) {
    byte[] raw = address.getAddress();
    if (raw.length == 4) {
      return address;
    }
    try {
      if (ipv4Mapped(raw)) {
        // A dual-stack listener may report an IPv4 client as ::ffff:a.b.c.d: that is one host.
        return InetAddress.getByAddress(Arrays.copyOfRange(raw, 12, 16));
      }
      byte[] prefix = Arrays.copyOf(raw, 16);
      Arrays.fill(prefix, 8, 16, (byte) 0);
      return InetAddress.getByAddress(prefix);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // 4 and 16 bytes are always valid lengths
    }
  }

  private static boolean ipv4Mapped(byte[] raw) {
    for (int i = 0; i < 10; i++) {
      if (raw[i] != 0) {
        return false;
      }
    }
    return raw[10] == (byte) 0xff && raw[11] == (byte) 0xff;
  }
}
