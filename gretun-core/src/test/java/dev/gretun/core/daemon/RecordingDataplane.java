package dev.gretun.core.daemon;

import dev.gretun.core.dataplane.Dataplane;
import dev.gretun.core.dataplane.DiscoStunPacket;
import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.dataplane.PeerTraffic;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A data plane on port 7777 that records the disco/STUN datagrams sent and receives nothing (a test
 * hands answers to the code under test itself); no routes, no traffic.
 */
class RecordingDataplane implements Dataplane {
  final List<byte[]> sent = new ArrayList<>();
  final List<InetSocketAddress> sentTo = new ArrayList<>();

  @Override
  public boolean sendDiscoStun(byte[] data, int off, int len, InetSocketAddress to, int ttl)
      throws IOException {
    sent.add(Arrays.copyOfRange(data, off, off + len));
    sentTo.add(to);
    return true;
  }

  @Override
  public int port() {
    return 7777;
  }

  @Override
  public void start(Predicate<DiscoStunPacket> sink) {}

  @Override
  public void apply(Collection<PeerRoute> routes) {}

  @Override
  public void probe(String peer, byte[] inner) {}

  @Override
  public Map<String, PeerTraffic> readTraffic() {
    return Map.of();
  }

  @Override
  public void close() {}
}
