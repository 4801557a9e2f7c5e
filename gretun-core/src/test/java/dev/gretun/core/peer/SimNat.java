package dev.gretun.core.peer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Linux MASQUERADE NAT as measured in docs/NAT-TRAVERSAL.md §3.1/§3.6: port-preserving,
 * endpoint-dependent filtering through conntrack (30 s unreplied, 120 s assured). An unsolicited
 * inbound datagram is dropped but leaves a conntrack entry for (remote, public port) on the NAT
 * itself; while that entry lives, an inside host's new flow to that remote cannot get the same
 * public port and is mapped to another one ("poisoned").
 *
 * <p>A new flow first reuses the public port of the inside endpoint's most recent live flow, then
 * the inside port, then a random one, each only if the flow's tuple is free: nf_nat's {@code
 * find_appropriate_src} before {@code nf_nat_l4proto_unique_tuple}. Measured in the lab
 * (docs/DAEMON.md): after one flow of 10.0.2.10:7777 was poisoned onto port R, a new flow from
 * 10.0.2.10:7777 to the STUN server got R too, and so does every later flow while that one lives.
 */
final class SimNat {
  static final long UNREPLIED_NANOS = 30_000_000_000L;
  static final long ASSURED_NANOS = 120_000_000_000L;

  private static final class Conn {
    final InetSocketAddress inside;
    final InetSocketAddress remote;
    final int publicPort;
    long lastSeen;
    boolean assured;

    Conn(InetSocketAddress inside, InetSocketAddress remote, int publicPort, long now) {
      this.inside = inside;
      this.remote = remote;
      this.publicPort = publicPort;
      this.lastSeen = now;
    }
  }

  private record Local(InetSocketAddress remote, int port) {}

  final InetAddress publicIp;

  /** Routers between the inside hosts and this NAT (each takes one from the TTL). */
  final int insideHops;

  private final List<Conn> conns = new ArrayList<>();
  private final Map<Local, Long> poisoned = new HashMap<>();
  private int nextRandomPort = 40_000;
  int poisonedMappings;

  SimNat(InetAddress publicIp, int insideHops) {
    this.publicIp = publicIp;
    this.insideHops = insideHops;
  }

  /** Outbound: the public source address for this flow (creating the mapping). */
  InetSocketAddress outbound(InetSocketAddress inside, InetSocketAddress remote, long now) {
    expire(now);
    for (Conn c : conns) {
      if (c.inside.equals(inside) && c.remote.equals(remote)) {
        c.lastSeen = now;
        return new InetSocketAddress(publicIp, c.publicPort);
      }
    }
    Conn recent = null;
    for (Conn c : conns) {
      if (c.inside.equals(inside)) {
        recent = c; // conns are in creation order: the last match is the most recent
      }
    }
    int port;
    if (recent != null && !taken(remote, recent.publicPort)) {
      port = recent.publicPort;
    } else if (!taken(remote, inside.getPort())) {
      port = inside.getPort();
    } else {
      port = nextRandomPort++;
      poisonedMappings++;
    }
    conns.add(new Conn(inside, remote, port, now));
    return new InetSocketAddress(publicIp, port);
  }

  /** Inbound to our public port: the inside destination, or null (dropped, entry left behind). */
  InetSocketAddress inbound(InetSocketAddress remote, int publicPort, long now) {
    expire(now);
    for (Conn c : conns) {
      if (c.remote.equals(remote) && c.publicPort == publicPort) {
        c.lastSeen = now;
        c.assured = true;
        return c.inside;
      }
    }
    poisoned.put(new Local(remote, publicPort), now);
    return null;
  }

  void flush() {
    conns.clear();
    poisoned.clear();
  }

  private boolean taken(InetSocketAddress remote, int port) {
    if (poisoned.containsKey(new Local(remote, port))) {
      return true;
    }
    for (Conn c : conns) {
      if (c.remote.equals(remote) && c.publicPort == port) {
        return true;
      }
    }
    return false;
  }

  private void expire(long now) {
    conns.removeIf(c -> now - c.lastSeen > (c.assured ? ASSURED_NANOS : UNREPLIED_NANOS));
    poisoned.values().removeIf(t -> now - t > UNREPLIED_NANOS);
  }
}
