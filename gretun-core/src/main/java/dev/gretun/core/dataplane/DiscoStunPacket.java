package dev.gretun.core.dataplane;

import java.net.InetSocketAddress;

/**
 * A disco or STUN datagram received by the data plane, copied off the packet path for the daemon.
 *
 * @param socket 0 when it arrived on port P, else the local port of the birthday punch's extra
 *     socket it arrived on (docs/DAEMON.md, "Birthday punch")
 */
public record DiscoStunPacket(byte[] data, InetSocketAddress from, int socket) {
  /** A datagram that arrived on port P. */
  public DiscoStunPacket(byte[] data, InetSocketAddress from) {
    this(data, from, 0);
  }
}
