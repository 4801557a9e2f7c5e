package dev.gretun.core.daemon;

import dev.gretun.core.dataplane.Dataplane;
import dev.gretun.core.dataplane.DiscoStunPacket;
import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.dataplane.PeerTraffic;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A data plane on one address: disco/STUN datagrams and keyed GRE over an {@link InMemoryNetwork};
 * the peer's kernel is played by answering ICMP echo requests.
 */
final class InMemoryDataplane implements Dataplane {
  private final InMemoryNetwork net;
  private final InetSocketAddress address;
  private Predicate<DiscoStunPacket> sink;
  private final Map<String, PeerRoute> routes = new LinkedHashMap<>();
  private final Map<String, long[]> counters = new HashMap<>(); // rxP, rxB, txP, txB
  private final Map<String, Boolean> inboundSeen = new HashMap<>();
  int echoRepliesSent;

  InMemoryDataplane(InMemoryNetwork net, InetSocketAddress address) {
    this.net = net;
    this.address = address;
    net.attach(address, this);
  }

  @Override
  public void start(Predicate<DiscoStunPacket> sink) {
    this.sink = sink;
  }

  @Override
  public int port() {
    return address.getPort();
  }

  @Override
  public boolean sendDiscoStun(byte[] data, int off, int len, InetSocketAddress to, int ttl) {
    net.send(address, to, Arrays.copyOfRange(data, off, off + len));
    return true;
  }

  @Override
  public void apply(Collection<PeerRoute> next) {
    routes.clear();
    for (PeerRoute r : next) {
      routes.put(r.peer(), r);
    }
  }

  @Override
  public void probe(String peer, byte[] inner) {
    sendData(routes.get(peer), inner);
  }

  private void sendData(PeerRoute r, byte[] inner) {
    if (r != null && r.active()) {
      long[] c = counters.computeIfAbsent(r.peer(), k -> new long[4]);
      c[2]++;
      c[3] += inner.length;
      net.send(address, r.endpoint(), new InMemoryNetwork.Gre(r.greKey(), inner));
    }
  }

  void receive(InetSocketAddress from, Object payload) {
    if (payload instanceof byte[] b) {
      sink.test(new DiscoStunPacket(b, from));
      return;
    }
    InMemoryNetwork.Gre gre = (InMemoryNetwork.Gre) payload;
    PeerRoute r =
        routes.values().stream()
            .filter(x -> x.greKey() == gre.key() && from.equals(x.endpoint()))
            .findFirst()
            .orElse(null);
    if (r == null) {
      return; // unknown key or wrong source: dropped, as the real planes do
    }
    long[] c = counters.computeIfAbsent(r.peer(), k -> new long[4]);
    c[0]++;
    c[1] += gre.inner().length;
    inboundSeen.put(r.peer(), true);
    if (gre.inner()[20] == 8) { // ICMP echo request: the peer's kernel answers
      byte[] reply = gre.inner().clone();
      System.arraycopy(gre.inner(), 16, reply, 12, 4);
      System.arraycopy(gre.inner(), 12, reply, 16, 4);
      reply[20] = 0;
      echoRepliesSent++;
      sendData(r, reply);
    }
  }

  @Override
  public Map<String, PeerTraffic> readTraffic() {
    Map<String, PeerTraffic> out = new HashMap<>();
    for (String peer : routes.keySet()) {
      long[] c = counters.getOrDefault(peer, new long[4]);
      boolean seen = Boolean.TRUE.equals(inboundSeen.remove(peer));
      out.put(peer, new PeerTraffic(c[0], c[1], c[2], c[3], seen, false, null));
    }
    return out;
  }

  Collection<PeerRoute> routes() {
    return routes.values();
  }

  long rxPackets() {
    return counters.values().stream().mapToLong(c -> c[0]).sum();
  }

  @Override
  public void close() {}
}
