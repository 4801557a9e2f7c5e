package dev.gretun.coord.stun;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * Which STUN servers the register reply names. Explicit {@code --stun-advertise} wins; otherwise
 * the STUN listen address when it is a specific address, else the host the node used to reach this
 * coordinator (its Host header) with the STUN port: a node that reached us at that name can reach
 * our STUN port there too.
 */
public final class StunAdvertise {
  private StunAdvertise() {}

  public static List<String> resolve(
      InetSocketAddress stunListen, List<String> configured, String hostHeader) {
    if (stunListen == null) {
      return List.of();
    }
    if (!configured.isEmpty()) {
      return configured;
    }
    int port = stunListen.getPort();
    if (stunListen.getAddress() != null && !stunListen.getAddress().isAnyLocalAddress()) {
      return List.of(hostPort(stunListen.getAddress().getHostAddress(), port));
    }
    String host = hostOf(hostHeader);
    return host == null ? List.of() : List.of(hostPort(host, port));
  }

  /** The host part of a Host header ("name", "name:port", "[v6]:port"), or null. */
  static String hostOf(String hostHeader) {
    if (hostHeader == null || hostHeader.isBlank()) {
      return null;
    }
    String h = hostHeader.trim();
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end > 1 ? h.substring(1, end) : null;
    }
    int colon = h.indexOf(':');
    String host = colon < 0 ? h : h.substring(0, colon);
    return host.matches("[A-Za-z0-9.-]{1,253}") ? host : null;
  }

  static String hostPort(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
