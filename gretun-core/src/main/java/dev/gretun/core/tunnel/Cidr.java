package dev.gretun.core.tunnel;

import java.net.Inet4Address;

/** An IPv4 address with a prefix length, e.g. {@code 100.64.0.1/24}. */
public record Cidr(Inet4Address address, int prefixLength) {
  @Override
  public String toString() {
    return address.getHostAddress() + "/" + prefixLength;
  }
}
