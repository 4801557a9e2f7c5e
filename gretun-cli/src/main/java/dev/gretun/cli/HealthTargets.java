package dev.gretun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gretun.core.dataplane.kernel.PeerDevices;
import dev.gretun.core.tunnel.TunnelStatus;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What {@code gretun health} probes: the peer's TUNNEL address of every gretun tunnel (never the
 * outer address, which says nothing about the tunnel). Static tunnels ({@code gretun create}, the
 * {@code gretun} alias mark) give it as the point-to-point peer of their address ({@code A peer B},
 * or the other host of a /31 or /30); the daemon's peers give their {@code tunnel_ip} through the
 * local API. The daemon's own kernel devices ({@code gtXXXXXXXX}) are covered by its peers.
 */
final class HealthTargets {
  private HealthTargets() {}

  /**
   * One tunnel to probe.
   *
   * @param source {@code static} or {@code daemon}
   * @param device the GRE device, or null for a daemon peer
   * @param peerIp the peer's tunnel address, or null when it cannot be found (then {@code why})
   */
  record Target(String name, String source, String device, String peerIp, String why) {}

  /** Static tunnels first (by name), then the daemon's peers in the daemon's order. */
  static List<Target> of(List<TunnelStatus> tunnels, JsonNode daemonPeers) {
    List<Target> out = new ArrayList<>();
    for (TunnelStatus t : tunnels) {
      if (!t.managed() || PeerDevices.looksLikeDeviceName(t.name())) {
        continue;
      }
      String peer = peerAddress(t.addresses());
      out.add(
          new Target(
              t.name(),
              "static",
              t.name(),
              peer,
              peer != null
                  ? null
                  : "no point-to-point peer address on "
                      + t.name()
                      + ": give it one (gretun create --tunnel-ip A/31, or ip addr add A peer B)"));
    }
    Set<String> seen = new HashSet<>();
    for (Target t : out) {
      seen.add(t.peerIp());
    }
    if (daemonPeers != null) {
      for (JsonNode p : daemonPeers) {
        String ip = p.hasNonNull("tunnel_ip") ? p.get("tunnel_ip").asText() : null;
        if (ip != null && !seen.add(ip)) {
          continue;
        }
        out.add(
            new Target(
                p.path("name").asText("?"),
                "daemon",
                null,
                ip,
                ip == null ? "the coordinator gave this peer no tunnel address" : null));
      }
    }
    return out;
  }

  /**
   * The peer's address from a device's addresses as {@code gretun status} prints them: the {@code
   * peer} of {@code A peer B/N}; for {@code A/31} the other address of the pair (RFC 3021); for
   * {@code A/30} the other host. Null otherwise (a wider subnet names no single peer).
   */
  static String peerAddress(List<String> addresses) {
    for (String a : addresses) {
      int peerAt = a.indexOf(" peer ");
      if (peerAt >= 0) {
        String peer = a.substring(peerAt + " peer ".length());
        int slash = peer.indexOf('/');
        return slash < 0 ? peer : peer.substring(0, slash);
      }
    }
    for (String a : addresses) {
      int slash = a.indexOf('/');
      if (slash < 0) {
        continue;
      }
      int prefix;
      int ip;
      try {
        prefix = Integer.parseInt(a.substring(slash + 1));
        ip = toInt(a.substring(0, slash));
      } catch (IllegalArgumentException | UnknownHostException e) {
        continue;
      }
      if (prefix == 31) {
        return toText(ip ^ 1);
      }
      if (prefix == 30) {
        int host = ip & 3;
        if (host == 1 || host == 2) {
          return toText((ip & ~3) | (3 - host));
        }
      }
    }
    return null;
  }

  private static int toInt(String dotted) throws UnknownHostException {
    if (!dotted.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      throw new UnknownHostException(dotted);
    }
    InetAddress a = InetAddress.getByName(dotted);
    if (!(a instanceof Inet4Address)) {
      throw new UnknownHostException(dotted);
    }
    byte[] b = a.getAddress();
    return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
  }

  private static String toText(int ip) {
    return (ip >>> 24) + "." + (ip >>> 16 & 0xff) + "." + (ip >>> 8 & 0xff) + "." + (ip & 0xff);
  }
}
