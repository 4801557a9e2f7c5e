package dev.gretun.coord.store;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * An IPv4 tunnel address pool in CIDR form. Usable node addresses run from network+2 to
 * broadcast-1: the network address, the broadcast address and network+1 (kept for the coordinator
 * itself) are never handed out.
 */
public record IpPool(int network, int prefixLength) {
  public IpPool {
    if (prefixLength < 0 || prefixLength > 30) {
      throw new IllegalArgumentException(
          "pool prefix /" + prefixLength + " too small: use /30 or larger (e.g. 100.64.0.0/24)");
    }
    if ((network & ~mask(prefixLength)) != 0) {
      throw new IllegalArgumentException(
          "pool "
              + IpPool.format(network)
              + "/"
              + prefixLength
              + " has host bits set: use "
              + IpPool.format(network & mask(prefixLength))
              + "/"
              + prefixLength);
    }
  }

  /** Parses "a.b.c.d/n"; IllegalArgumentException with an operator-facing message otherwise. */
  public static IpPool parse(String cidr) {
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("pool '" + cidr + "' must be CIDR like 100.64.0.0/24");
    }
    int prefix;
    try {
      prefix = Integer.parseInt(cidr.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("pool '" + cidr + "': bad prefix length");
    }
    return new IpPool(parseIpv4(cidr.substring(0, slash)), prefix);
  }

  /** Parses a dotted-quad IPv4 literal (no DNS) into an int. */
  public static int parseIpv4(String text) {
    InetAddress a;
    try {
      a = InetAddress.ofLiteral(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
    }
    if (!(a instanceof Inet4Address)) {
      throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
    }
    byte[] b = a.getAddress();
    return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
  }

  public static String format(int ip) {
    return (ip >>> 24) + "." + (ip >>> 16 & 0xff) + "." + (ip >>> 8 & 0xff) + "." + (ip & 0xff);
  }

  private static int mask(int prefix) {
    return prefix == 0 ? 0 : -1 << (32 - prefix);
  }

  /** First address a node may get (network + 2). Unsigned order is used by callers. */
  public long firstUsable() {
    return Integer.toUnsignedLong(network) + 2;
  }

  /** Last address a node may get (broadcast - 1). */
  public long lastUsable() {
    return Integer.toUnsignedLong(network) + (1L << (32 - prefixLength)) - 2;
  }

  /** The address kept for the coordinator (network + 1). */
  public String coordinatorAddress() {
    return format(network + 1);
  }

  public boolean contains(long ip) {
    return ip >= firstUsable() && ip <= lastUsable();
  }

  @Override
  public String toString() {
    return format(network) + "/" + prefixLength;
  }
}
