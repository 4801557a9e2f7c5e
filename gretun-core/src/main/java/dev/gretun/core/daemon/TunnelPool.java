package dev.gretun.core.daemon;

import dev.gretun.core.GretunException;
import dev.gretun.core.coord.CoordWire;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The overlay subnet this node lives in: our tunnel address and prefix length from the registration
 * reply. Peers' tunnel addresses must lie inside it (they become /32 routes through our tunnel), so
 * a coordinator cannot steer traffic for outside addresses into the overlay.
 *
 * @param self our tunnel address, big-endian int
 */
record TunnelPool(int self, int prefixLength) {
  /** Prefixes outside this range are refused: wider ones would route much of the internet. */
  static final int MIN_PREFIX = 8;

  static final int MAX_PREFIX = 30;

  TunnelPool {
    if (prefixLength < MIN_PREFIX || prefixLength > MAX_PREFIX) {
      throw new IllegalArgumentException(
          "prefix length " + prefixLength + " outside " + MIN_PREFIX + "-" + MAX_PREFIX);
    }
  }

  /**
   * Checks the registration reply: {@code tunnel_ip} a canonical unicast IPv4 literal, {@code
   * prefix_length} 8-30, {@code pool} (when present) exactly the subnet they give. Anything else
   * stops start-up with {@code registration_refused}.
   */
  static TunnelPool fromRegistration(CoordWire.RegisterResponse r) {
    TunnelPool pool;
    try {
      pool = new TunnelPool(parseCanonical(r.tunnelIp()), r.prefixLength());
    } catch (IllegalArgumentException e) {
      throw refused("tunnel_ip " + r.tunnelIp() + "/" + r.prefixLength() + ": " + e.getMessage());
    }
    String why = pool.refusalFor(pool.self(), false);
    if (why != null) {
      throw refused("tunnel_ip " + r.tunnelIp() + " is the pool's " + why);
    }
    if (r.pool() != null && !r.pool().equals(pool.toString())) {
      throw refused(
          "pool "
              + r.pool()
              + " is not the subnet of tunnel_ip "
              + pool.selfText()
              + "/"
              + pool.prefixLength()
              + " ("
              + pool
              + ")");
    }
    return pool;
  }

  private static GretunException refused(String detail) {
    return new GretunException(
        "registration_refused", "the coordinator's registration reply is unusable: " + detail);
  }

  /**
   * Parses a canonical dotted-quad IPv4 literal: no DNS lookup, and no second spelling of one
   * address ({@code 127.1}, leading zeros) because the text must equal the address's own form.
   */
  static int parseCanonical(String text) {
    if (text == null) {
      throw new IllegalArgumentException("missing address");
    }
    Inet4Address a;
    try {
      a = Inet4Address.ofLiteral(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not an IPv4 literal");
    }
    if (!a.getHostAddress().equals(text)) {
      throw new IllegalArgumentException("not a canonical IPv4 literal");
    }
    byte[] b = a.getAddress();
    return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
  }

  int mask() {
    return -1 << (32 - prefixLength);
  }

  int network() {
    return self & mask();
  }

  int broadcast() {
    return network() | ~mask();
  }

  /**
   * Why {@code ip} cannot be a peer's tunnel address (or, with {@code peer} false, ours), or null.
   */
  String refusalFor(int ip, boolean peer) {
    if ((ip & mask()) != network()) {
      return "outside the pool " + this;
    }
    if (ip == network()) {
      return "network address";
    }
    if (ip == broadcast()) {
      return "broadcast address";
    }
    if (peer && ip == self) {
      return "our own address";
    }
    int first = ip >>> 24;
    if (first == 0 || first == 127 || first >= 224) {
      return "not a unicast address";
    }
    return null;
  }

  Inet4Address selfAddress() {
    return address(self);
  }

  String selfText() {
    return format(self);
  }

  static Inet4Address address(int ip) {
    byte[] b = {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip};
    try {
      return (Inet4Address) InetAddress.getByAddress(b);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("4 bytes are always an IPv4 address", e);
    }
  }

  static String format(int ip) {
    return (ip >>> 24) + "." + (ip >>> 16 & 0xff) + "." + (ip >>> 8 & 0xff) + "." + (ip & 0xff);
  }

  /** CIDR text, e.g. {@code 100.64.0.0/24}. */
  @Override
  public String toString() {
    return format(network()) + "/" + prefixLength;
  }
}
