package dev.gretun.core.dataplane.userspace;

import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.dataplane.PeerTraffic;
import dev.gretun.core.os.SockAddrIn;
import java.util.concurrent.atomic.LongAdder;

/**
 * The userspace plane's state for one peer: its overlay address, the pair's GRE key and where (if
 * anywhere) to send. The event loop writes (through {@link #set}); the packet threads only read the
 * volatile fields and bump counters, so no lock is taken per packet.
 */
final class PeerPath {
  final String peer;
  final int greKey;
  final int tunnelIp;
  volatile int endpointIp;
  volatile int endpointPort;
  volatile boolean sending;
  volatile boolean inboundSeen;
  final LongAdder rxBytes = new LongAdder();
  final LongAdder txBytes = new LongAdder();
  final LongAdder rxPackets = new LongAdder();
  final LongAdder txPackets = new LongAdder();

  PeerPath(String peer, int greKey, int tunnelIp) {
    this.peer = peer;
    this.greKey = greKey;
    this.tunnelIp = tunnelIp;
  }

  /** Takes {@code route}'s endpoint and sending flag (the endpoint first, then the flag). */
  void set(PeerRoute route) {
    if (route.endpoint() != null) {
      endpointIp = SockAddrIn.ipv4(route.endpoint().getAddress());
      endpointPort = route.endpoint().getPort();
    }
    sending = route.active();
  }

  /** The totals now; clears the inbound-seen flag. */
  PeerTraffic take() {
    boolean seen = inboundSeen;
    if (seen) {
      inboundSeen = false;
    }
    return new PeerTraffic(
        rxPackets.sum(), rxBytes.sum(), txPackets.sum(), txBytes.sum(), seen, null);
  }
}
