package dev.gretun.core.dataplane.userspace;

import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.dataplane.PeerTraffic;
import dev.gretun.core.os.SockAddrIn;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;

/**
 * The userspace plane's state for one peer: its overlay address, the pair's GRE key and where (if
 * anywhere) to send. The event loop writes (through {@link #set}); the packet threads only read the
 * volatile fields and bump counters, so no lock is taken per packet. Addresses are packed into one
 * long ({@code ip << 16 | port}, 0 = none) so a reader never sees the ip of one and the port of
 * another.
 */
final class PeerPath {
  final String peer;
  final int greKey;
  final int tunnelIp;

  /** The direct endpoint the punch chose (inbound from it is the peer's). */
  volatile long endpoint;

  /** The coordinator's relay (inbound from it with this key is the peer's, relayed). */
  volatile long relay;

  /** Where outbound packets go now: the endpoint, the relay, or 0. */
  volatile long target;

  /**
   * The birthday punch's winning socket (docs/DAEMON.md, "Birthday punch"), or null: while set and
   * the path is direct, the peer's packets go out from it, and keyed GRE for this peer is accepted
   * on it.
   */
  volatile ExtraSockets.ExtraSocket socket;

  volatile boolean sending;
  volatile boolean direct;
  volatile boolean inboundSeen;
  volatile boolean relayedSeen;
  final LongAdder rxBytes = new LongAdder();
  final LongAdder txBytes = new LongAdder();
  final LongAdder rxPackets = new LongAdder();
  final LongAdder txPackets = new LongAdder();

  PeerPath(String peer, int greKey, int tunnelIp) {
    this.peer = peer;
    this.greKey = greKey;
    this.tunnelIp = tunnelIp;
  }

  static long pack(InetSocketAddress a) {
    return a == null
        ? 0
        : ((SockAddrIn.ipv4(a.getAddress()) & 0xFFFF_FFFFL) << 16) | (a.getPort() & 0xFFFF);
  }

  static long pack(int ip, int port) {
    return ((ip & 0xFFFF_FFFFL) << 16) | (port & 0xFFFF);
  }

  static int ip(long packed) {
    return (int) (packed >>> 16);
  }

  static int port(long packed) {
    return (int) (packed & 0xFFFF);
  }

  /** Takes {@code route}'s endpoint, relay and sending flag (addresses first, then the flags). */
  void set(PeerRoute route) {
    if (route.endpoint() != null) {
      endpoint = pack(route.endpoint());
    }
    relay = pack(route.relay());
    boolean isDirect = route.active();
    target = isDirect ? endpoint : relay;
    direct = isDirect;
    sending = target != 0;
  }

  /** True when outbound packets go through the relay. */
  boolean viaRelay() {
    return sending && !direct;
  }

  /** The totals now; clears the inbound-seen and relayed-seen flags. */
  PeerTraffic take() {
    boolean seen = inboundSeen;
    if (seen) {
      inboundSeen = false;
    }
    boolean relayed = relayedSeen;
    if (relayed) {
      relayedSeen = false;
    }
    return new PeerTraffic(
        rxPackets.sum(), rxBytes.sum(), txPackets.sum(), txBytes.sum(), seen, relayed, null);
  }
}
