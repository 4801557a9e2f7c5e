package dev.gretun.core.wire.disco;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * {@code ip:port} text for endpoints in disco bodies and on the coordinator wire: {@code
 * 203.0.113.7:7777}. Only the canonical form is accepted — four decimal octets without leading
 * zeros, a decimal port 1-65535 without sign or leading zeros — so that one address has exactly one
 * spelling and parsing never does a DNS lookup. Forms the C library also accepts ({@code 127.1},
 * octal {@code 017.0.0.1}, {@code +80}) are refused: they would let one address pass a check as
 * another. The overlay is IPv4 (GRE-in-UDP over IPv4), so endpoints are IPv4.
 */
public final class Endpoints {
  private static final Inet4Address BROADCAST =
      (Inet4Address) InetAddress.ofLiteral("255.255.255.255");

  private Endpoints() {}

  public static String format(InetSocketAddress a) {
    InetAddress ip = a.getAddress();
    if (!(ip instanceof Inet4Address)) {
      throw new IllegalArgumentException("not an IPv4 endpoint: " + a);
    }
    return ip.getHostAddress() + ":" + a.getPort();
  }

  /** Parses canonical {@code a.b.c.d:port}; throws IllegalArgumentException with a reason. */
  public static InetSocketAddress parse(String s) {
    int colon = s.indexOf(':');
    if (colon < 0 || s.indexOf(':', colon + 1) >= 0) {
      throw new IllegalArgumentException("expected IPv4 a.b.c.d:port: " + s);
    }
    byte[] ip = new byte[4];
    int start = 0;
    for (int i = 0; i < 4; i++) {
      int end = i < 3 ? s.indexOf('.', start) : colon;
      if (end < 0 || end > colon) {
        throw new IllegalArgumentException("expected four octets a.b.c.d: " + s);
      }
      ip[i] = (byte) decimal(s, start, end, 255, "octet");
      start = end + 1;
    }
    int port = decimal(s, colon + 1, s.length(), 65535, "port");
    if (port == 0) {
      throw new IllegalArgumentException("port 0 in " + s);
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), port);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("4 bytes are always an IPv4 address", e);
    }
  }

  /**
   * Why {@code a} cannot be a peer's endpoint, or null when it can: the unspecified address,
   * loopback, multicast and the limited broadcast address never reach another host's gretun.
   */
  public static String unusableReason(InetSocketAddress a) {
    InetAddress ip = a.getAddress();
    if (!(ip instanceof Inet4Address v4)) {
      return "not IPv4";
    }
    if (v4.isAnyLocalAddress()) {
      return "unspecified address";
    }
    if (v4.isLoopbackAddress()) {
      return "loopback address";
    }
    if (v4.isMulticastAddress()) {
      return "multicast address";
    }
    if (v4.equals(BROADCAST)) {
      return "broadcast address";
    }
    if (a.getPort() == 0) {
      return "port 0";
    }
    return null;
  }

  /** {@link #parse}, then refuses what {@link #unusableReason} names. */
  public static InetSocketAddress parseUsable(String s) {
    InetSocketAddress a = parse(s);
    String why = unusableReason(a);
    if (why != null) {
      throw new IllegalArgumentException(why + ": " + s);
    }
    return a;
  }

  private static int decimal(String s, int from, int to, int max, String what) {
    int len = to - from;
    if (len < 1 || len > 5 || (len > 1 && s.charAt(from) == '0')) {
      throw new IllegalArgumentException("bad " + what + " in " + s);
    }
    int v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw new IllegalArgumentException("bad " + what + " in " + s);
      }
      v = v * 10 + (c - '0');
    }
    if (v > max) {
      throw new IllegalArgumentException(what + " out of range in " + s);
    }
    return v;
  }
}
