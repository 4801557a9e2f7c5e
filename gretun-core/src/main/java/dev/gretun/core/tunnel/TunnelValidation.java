package dev.gretun.core.tunnel;

import dev.gretun.core.GretunException;
import dev.gretun.core.wire.netlink.GreKind;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Input rules for tunnels. Upstream's rules (name ≤ 15 characters of {@code [A-Za-z0-9_-]},
 * reserved prefixes, IPv4 unicast outer addresses that differ, FOU needs a destination port) plus
 * ours: only the exact name {@code lo} is reserved (upstream's {@code lo} prefix blocked {@code
 * local1}), kernel fallback device names are reserved, outer addresses must not be 0/8, loopback,
 * link-local, multicast or broadcast, ports 1–65535, key 1–4294967295, TTL 1–255, MTU 576–9000,
 * tunnel addresses may be /31 and /32. Every failure is a {@link GretunException} with code {@value
 * #CODE} whose message says what to change.
 */
public final class TunnelValidation {
  public static final String CODE = "invalid_argument";
  public static final int MAX_NAME = 15;
  public static final int DEFAULT_TTL = 64;
  public static final int MIN_MTU = 576;
  public static final int MAX_MTU = 9000;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
  private static final List<String> RESERVED_PREFIXES =
      List.of("eth", "wlan", "docker", "veth", "br-", "virbr");
  private static final List<String> RESERVED_NAMES =
      List.of("lo", "gre0", "gretap0", "erspan0", "tunl0", "sit0", "ip6gre0", "ip6tnl0", "ip_vti0");
  private static final Map<Integer, String> WELL_KNOWN_PORTS =
      Map.of(
          53,
          "DNS",
          67,
          "DHCP server",
          68,
          "DHCP client",
          123,
          "NTP",
          443,
          "HTTPS/QUIC",
          500,
          "IKE",
          4500,
          "IPsec NAT-T");

  private TunnelValidation() {}

  /** A validated spec and non-fatal warnings (e.g. a well-known destination port). */
  public record Result(TunnelSpec spec, List<String> warnings) {}

  public static Result validate(CreateRequest r) {
    List<String> warnings = new ArrayList<>();
    String name = createName(r.name());
    Inet4Address local = outerAddress("--local", r.local());
    Inet4Address remote = outerAddress("--remote", r.remote());
    if (local.equals(remote)) {
      throw invalid(
          "--local and --remote are both " + local.getHostAddress() + ": they must differ");
    }
    GreKind kind = kind(r.type());
    Long key = r.key() == null ? null : key(r.key());
    int ttl = r.ttl() == null ? DEFAULT_TTL : ttl(r.ttl());
    Encap encap = encap(r.encap());
    int sport = 0;
    int dport = 0;
    int fouPort = 0;
    boolean csum = false;
    if (encap == Encap.FOU) {
      if (r.encapDport() == null) {
        throw invalid("--encap-dport is required with --encap fou (the peer's FOU port)");
      }
      dport = port("--encap-dport", r.encapDport());
      String service = WELL_KNOWN_PORTS.get(dport);
      if (service != null) {
        warnings.add(
            "--encap-dport "
                + dport
                + " is the well-known "
                + service
                + " port; is that intended?");
      }
      fouPort = r.fouPort() == null ? dport : port("--fou-port", r.fouPort());
      sport = sourcePort(r.encapSport(), fouPort);
      csum = r.encapCsum() != null && r.encapCsum();
    } else if (r.encapSport() != null
        || r.encapDport() != null
        || r.fouPort() != null
        || r.encapCsum() != null) {
      throw invalid(
          "--encap-sport, --encap-dport, --fou-port and --[no-]encap-csum need --encap fou");
    }
    Cidr tunnelIp = r.tunnelIp() == null ? null : cidr(r.tunnelIp());
    Inet4Address peer = null;
    if (r.peerIp() != null) {
      if (tunnelIp == null) {
        throw invalid("a peer address needs --tunnel-ip");
      }
      peer = ipv4("peer address", r.peerIp());
    }
    Integer mtu = r.mtu() == null ? null : mtu(r.mtu());
    return new Result(
        new TunnelSpec(
            new GreLinkSpec(
                name, kind, local, remote, key, ttl, false, encap.kernelType(), sport, dport, csum),
            fouPort,
            tunnelIp,
            peer,
            mtu),
        List.copyOf(warnings));
  }

  /** Name rules for any command: non-empty, ≤ 15 characters, letters/digits/'_'/'-'. */
  public static String name(String name) {
    if (name == null || name.isEmpty()) {
      throw invalid("--name is empty: give the tunnel's interface name, e.g. --name gt0");
    }
    if (name.length() > MAX_NAME) {
      throw invalid(
          "--name '"
              + name
              + "' has "
              + name.length()
              + " characters; interface names have at most "
              + MAX_NAME);
    }
    if (!NAME.matcher(name).matches()) {
      throw invalid("--name '" + name + "' has invalid characters: use only A-Z a-z 0-9 _ -");
    }
    return name;
  }

  /** {@link #name} plus the reserved names and prefixes (create only). */
  public static String createName(String name) {
    name(name);
    if (RESERVED_NAMES.contains(name)) {
      throw invalid("--name '" + name + "' is reserved for a kernel device; choose another name");
    }
    for (String p : RESERVED_PREFIXES) {
      if (name.startsWith(p)) {
        throw invalid(
            "--name '"
                + name
                + "' starts with the reserved prefix '"
                + p
                + "'; choose another name");
      }
    }
    return name;
  }

  public static Inet4Address outerAddress(String flag, String value) {
    Inet4Address a = ipv4(flag, value);
    byte[] b = a.getAddress();
    int first = Byte.toUnsignedInt(b[0]);
    String why = null;
    if (first == 0) {
      why = "is in 0.0.0.0/8 (unspecified/'this network')";
    } else if (a.isLoopbackAddress()) {
      why = "is a loopback address";
    } else if (a.isLinkLocalAddress()) {
      why = "is link-local (169.254.0.0/16)";
    } else if (a.isMulticastAddress()) {
      why = "is a multicast address";
    } else if (first >= 240) {
      why = "is reserved or the broadcast address";
    }
    if (why != null) {
      throw invalid(flag + " " + value + " " + why + "; give a unicast IPv4 address");
    }
    return a;
  }

  /** Parses a dotted-quad IPv4 address (no host names, no IPv6). */
  public static Inet4Address ipv4(String flag, String value) {
    if (value == null || value.isEmpty()) {
      throw invalid(flag + " is required: give an IPv4 address like 192.0.2.1");
    }
    if (!value.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      throw invalid(flag + " '" + value + "' is not an IPv4 address (expected a.b.c.d)");
    }
    try {
      InetAddress a = InetAddress.getByName(value);
      if (a instanceof Inet4Address v4) {
        return v4;
      }
    } catch (UnknownHostException e) {
      // fall through
    }
    throw invalid(flag + " '" + value + "' is not an IPv4 address (expected a.b.c.d)");
  }

  /** {@code a.b.c.d/N}; for N ≤ 30 the host part must be neither network nor broadcast. */
  public static Cidr cidr(String value) {
    int slash = value.indexOf('/');
    if (slash < 0) {
      throw invalid("--tunnel-ip '" + value + "' needs a prefix length, e.g. 100.64.0.1/24");
    }
    Inet4Address a = ipv4("--tunnel-ip", value.substring(0, slash));
    int prefix;
    try {
      prefix = Integer.parseInt(value.substring(slash + 1));
    } catch (NumberFormatException e) {
      prefix = -1;
    }
    if (prefix < 1 || prefix > 32) {
      throw invalid("--tunnel-ip '" + value + "': prefix length must be 1-32");
    }
    if (prefix <= 30) {
      int ip = java.nio.ByteBuffer.wrap(a.getAddress()).getInt();
      int hostMask = (int) ((1L << (32 - prefix)) - 1);
      if ((ip & hostMask) == 0) {
        throw invalid("--tunnel-ip '" + value + "' is the network address of its subnet");
      }
      if ((ip & hostMask) == hostMask) {
        throw invalid("--tunnel-ip '" + value + "' is the broadcast address of its subnet");
      }
    }
    return new Cidr(a, prefix);
  }

  public static int port(String flag, int value) {
    if (value < 1 || value > 65535) {
      throw invalid(flag + " " + value + " is out of range: ports are 1-65535");
    }
    return value;
  }

  public static long key(long value) {
    if (value < 1 || value > 0xFFFFFFFFL) {
      throw invalid("--key " + value + " is out of range: keys are 1-4294967295 (omit for none)");
    }
    return value;
  }

  public static int ttl(int value) {
    if (value < 1 || value > 255) {
      throw invalid("--ttl " + value + " is out of range: 1-255");
    }
    return value;
  }

  public static int mtu(int value) {
    if (value < MIN_MTU || value > MAX_MTU) {
      throw invalid("--mtu " + value + " is out of range: " + MIN_MTU + "-" + MAX_MTU);
    }
    return value;
  }

  static GreKind kind(String type) {
    if (type == null) {
      return GreKind.GRE;
    }
    GreKind k = GreKind.fromKernel(type.toLowerCase(Locale.ROOT));
    if (k == null) {
      throw invalid("--type '" + type + "' is not supported: use gre or gretap");
    }
    return k;
  }

  static Encap encap(String encap) {
    if (encap == null || encap.equalsIgnoreCase("none")) {
      return Encap.NONE;
    }
    if (encap.equalsIgnoreCase("fou")) {
      return Encap.FOU;
    }
    throw invalid("--encap '" + encap + "' is not supported: use none or fou");
  }

  /**
   * Default source port = the local FOU port (docs/NAT-TRAVERSAL.md §2: one port per node); "auto"
   * = kernel.
   */
  static int sourcePort(String value, int fouPort) {
    if (value == null) {
      return fouPort;
    }
    if (value.equalsIgnoreCase("auto")) {
      return 0;
    }
    try {
      return port("--encap-sport", Integer.parseInt(value));
    } catch (NumberFormatException e) {
      throw invalid("--encap-sport '" + value + "' must be a port (1-65535) or 'auto'");
    }
  }

  static GretunException invalid(String message) {
    return new GretunException(CODE, message);
  }
}
