package dev.gretun.core.util;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** {@code HOST:PORT} and {@code [V6]:PORT} parsing with operator-facing errors. */
public final class HostPort {
  private HostPort() {}

  /**
   * Parses and resolves {@code HOST:PORT}; an empty host ({@code :3478}) means the wildcard
   * address.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static InetSocketAddress parse(String text) {
    return parse(text, 1);
  }

  /** As {@link #parse}, but port 0 (the kernel picks one) is allowed: for addresses to bind. */
  public static InetSocketAddress parseBindable(String text) {
    return parse(text, 0);
  }

  private static InetSocketAddress parse(String text, int minPort) {
    String host;
    String port;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
        throw new IllegalArgumentException("invalid address '" + text + "': use [IPV6]:PORT");
      }
      host = text.substring(1, close);
      port = text.substring(close + 2);
    } else {
      int colon = text.lastIndexOf(':');
      if (colon < 0 || text.indexOf(':') != colon) {
        throw new IllegalArgumentException(
            "invalid address '" + text + "': use HOST:PORT (IPv6 as [ADDR]:PORT)");
      }
      host = text.substring(0, colon);
      port = text.substring(colon + 1);
    }
    int p = parsePort(port, text, minPort);
    if (host.isEmpty()) {
      return new InetSocketAddress(p);
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(host), p);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cannot resolve host '" + host + "' in '" + text + "'");
    }
  }

  /** Formats an address as {@code 1.2.3.4:5} / {@code [::1]:5}. */
  public static String format(InetSocketAddress a) {
    String ip = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + a.getPort();
  }

  private static int parsePort(String port, String whole, int min) {
    try {
      int p = Integer.parseInt(port);
      if (p >= min && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException ignored) {
      // fall through to the common message
    }
    throw new IllegalArgumentException(
        "invalid port '" + port + "' in '" + whole + "': use " + min + "-65535");
  }
}
