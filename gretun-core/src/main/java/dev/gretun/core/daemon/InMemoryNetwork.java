package dev.gretun.core.daemon;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * Datagrams in flight between {@link InMemoryDataplane}s' addresses, for {@link ConnectRehearsal}
 * and the daemon tests: no sockets, delivered when asked.
 */
final class InMemoryNetwork {
  record Datagram(InetSocketAddress from, InetSocketAddress to, Object payload) {}

  /** Every datagram sent, in order (what an on-path observer records). */
  final List<Datagram> sent = new ArrayList<>();

  /** A GRE packet: the pair key and the inner IPv4 packet. */
  record Gre(int key, byte[] inner) {}

  private final Map<InetSocketAddress, InMemoryDataplane> planes = new HashMap<>();
  private final Queue<Datagram> inFlight = new ArrayDeque<>();

  void attach(InetSocketAddress at, InMemoryDataplane plane) {
    planes.put(at, plane);
  }

  void send(InetSocketAddress from, InetSocketAddress to, Object payload) {
    Datagram d = new Datagram(from, to, payload);
    sent.add(d);
    inFlight.add(d);
  }

  /** Delivers until nothing is in flight (answers included); returns how many. */
  int deliverAll() {
    int n = 0;
    while (!inFlight.isEmpty() && n < 10_000) {
      Datagram d = inFlight.poll();
      InMemoryDataplane to = planes.get(d.to());
      if (to != null) {
        to.receive(d.from(), d.payload());
      }
      n++;
    }
    return n;
  }
}
