package dev.gretun.coord.stun;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Which STUN servers the register reply names. Explicit {@code --stun-advertise} wins; otherwise,
 * for every STUN listen address, its port and its alternate port (port+1): at the listen address
 * when it is a specific address, else at the host the node used to reach this coordinator (its Host
 * header): a node that reached us at that name can reach our STUN ports there too. Two destinations
 * are what lets a node tell endpoint-dependent mapping (netcheck).
 */
public final class StunAdvertise {
  private StunAdvertise() {}

  public static List<String> resolve(
      List<InetSocketAddress> stunListen, List<String> configured, String hostHeader) {
    if (stunListen.isEmpty()) {
      return List.of();
    }
    if (!configured.isEmpty()) {
      return configured;
    }
    var out = new ArrayList<String>();
    for (InetSocketAddress listen : stunListen) {
      String host =
          listen.getAddress() != null && !listen.getAddress().isAnyLocalAddress()
              ? listen.getAddress().getHostAddress()
              : hostOf(hostHeader);
      if (host != null) {
        out.add(hostPort(host, listen.getPort()));
        out.add(hostPort(host, listen.getPort() + 1));
      }
    }
    return List.copyOf(out);
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
