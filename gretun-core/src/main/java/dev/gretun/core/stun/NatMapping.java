package dev.gretun.core.stun;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * NAT mapping behaviour inferred from the reflexive addresses several STUN servers reported for one
 * local socket (the RFC 4787 §4.1 terms; like Tailscale's netcheck, this needs no RFC 5780 server).
 *
 * @param behaviour whether the mapping varied with the destination
 * @param portPreserved whether every mapped port equals the local port ({@code null} if unknown)
 * @param distinctServerAddresses how many different server IPs answered; with one, a mapping that
 *     depends only on the destination IP cannot be told from an endpoint-independent one
 */
public record NatMapping(Behaviour behaviour, Boolean portPreserved, int distinctServerAddresses) {

  /** RFC 4787 §4.1 mapping behaviour. */
  public enum Behaviour {
    /** Same public ip:port towards every server ("easy" NAT, or no NAT). */
    ENDPOINT_INDEPENDENT,
    /** A different public ip:port per destination ("hard"/symmetric NAT): punching needs help. */
    ENDPOINT_DEPENDENT,
    /** Fewer than two different server endpoints answered (the same one twice proves nothing). */
    UNKNOWN
  }

  /**
   * Classifies the successful results of one probe.
   *
   * @param localPort the local UDP port the requests were sent from (0 if unknown)
   */
  public static NatMapping classify(int localPort, List<StunResult> results) {
    Set<InetSocketAddress> mapped = new HashSet<>();
    Set<InetAddress> servers = new HashSet<>();
    Set<InetSocketAddress> serverEndpoints = new HashSet<>();
    boolean preserved = true;
    int answered = 0;
    for (StunResult r : results) {
      if (!r.ok()) {
        continue;
      }
      answered++;
      mapped.add(r.mapped());
      servers.add(r.server().getAddress());
      serverEndpoints.add(r.server());
      preserved &= r.mapped().getPort() == localPort;
    }
    Boolean portPreserved = answered == 0 || localPort == 0 ? null : preserved;
    if (answered < 2 || serverEndpoints.size() < 2) {
      return new NatMapping(Behaviour.UNKNOWN, portPreserved, servers.size());
    }
    Behaviour b =
        mapped.size() == 1 ? Behaviour.ENDPOINT_INDEPENDENT : Behaviour.ENDPOINT_DEPENDENT;
    return new NatMapping(b, portPreserved, servers.size());
  }
}
