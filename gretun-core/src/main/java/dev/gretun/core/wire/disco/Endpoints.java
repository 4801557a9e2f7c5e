package dev.gretun.core.wire.disco;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * {@code ip:port} text for endpoints in disco bodies: {@code 203.0.113.7:7777} or {@code
 * [2001:db8::1]:7777}. Parsing accepts IP literals only, so it never does a DNS lookup.
 */
public final class Endpoints {
  private Endpoints() {}

  public static String format(InetSocketAddress a) {
    InetAddress ip = a.getAddress();
    if (ip == null) {
      throw new IllegalArgumentException("unresolved endpoint " + a);
    }
    String host = ip.getHostAddress();
    return (ip instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  /** Parses {@code ip:port}; throws IllegalArgumentException with a reason otherwise. */
  public static InetSocketAddress parse(String s) {
    String host;
    String port;
    if (s.startsWith("[")) {
      int close = s.indexOf("]:");
      if (close < 0) {
        throw new IllegalArgumentException("expected [ipv6]:port: " + s);
      }
      host = s.substring(1, close);
      port = s.substring(close + 2);
    } else {
      int colon = s.lastIndexOf(':');
      if (colon < 0 || s.indexOf(':') != colon) {
        throw new IllegalArgumentException("expected ip:port: " + s);
      }
      host = s.substring(0, colon);
      port = s.substring(colon + 1);
    }
    if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("bad port in " + s);
    }
    int p = Integer.parseInt(port);
    if (p < 1 || p > 65535) {
      throw new IllegalArgumentException("port out of range in " + s);
    }
    InetAddress ip = InetAddress.ofLiteral(host);
    if (s.startsWith("[") != (ip instanceof Inet6Address)) {
      throw new IllegalArgumentException("IPv6 needs brackets, IPv4 none: " + s);
    }
    return new InetSocketAddress(ip, p);
  }
}
