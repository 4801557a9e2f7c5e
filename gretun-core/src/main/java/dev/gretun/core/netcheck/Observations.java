package dev.gretun.core.netcheck;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * What netcheck saw, the classifier's only input.
 *
 * @param localPort the port of the socket that asked every server (its mapping is compared)
 * @param servers one entry per STUN server asked from that socket
 * @param changePortReply whether a reply asked from the first server's other port (RFC 5780
 *     CHANGE-REQUEST) came through; null when not tested (server without OTHER-ADDRESS, or the
 *     first server did not answer the plain request of that test)
 * @param changeAddressReply the same for a reply from the server's other address; null when the
 *     server has only one address (or not tested)
 * @param hairpin whether a datagram sent to our own mapped address came back in; null if untested
 */
public record Observations(
    int localPort,
    List<Server> servers,
    Boolean changePortReply,
    Boolean changeAddressReply,
    Boolean hairpin) {
  public Observations {
    servers = List.copyOf(servers);
  }

  /**
   * One STUN server's answer.
   *
   * @param server where the request went
   * @param mapped the reflexive address it reported, or null when it did not answer
   */
  public record Server(InetSocketAddress server, InetSocketAddress mapped) {
    public boolean answered() {
      return mapped != null;
    }
  }
}
