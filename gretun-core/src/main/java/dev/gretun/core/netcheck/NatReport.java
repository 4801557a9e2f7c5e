package dev.gretun.core.netcheck;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The classified result of one netcheck.
 *
 * @param udp whether any STUN server answered (UDP reaches the outside)
 * @param mapping RFC 4787 §4.1 mapping behaviour
 * @param portPreserved whether the mapped port equals the local port (null when unknown)
 * @param filtering RFC 4787 §5 filtering behaviour, as far as it could be told
 * @param hairpin whether hairpinning works (null when untested)
 * @param publicEndpoints the distinct mapped addresses seen
 * @param type what peers use to pick roles
 * @param verdict one sentence for a person
 */
public record NatReport(
    boolean udp,
    Mapping mapping,
    Boolean portPreserved,
    Filtering filtering,
    Boolean hairpin,
    List<InetSocketAddress> publicEndpoints,
    NatType type,
    String verdict) {
  public NatReport {
    publicEndpoints = List.copyOf(publicEndpoints);
  }

  /** RFC 4787 §4.1. */
  public enum Mapping {
    ENDPOINT_INDEPENDENT,
    ENDPOINT_DEPENDENT,
    /** Fewer than two servers answered. */
    UNKNOWN
  }

  /** RFC 4787 §5, as far as a server with alternate port (and address) can tell it. */
  public enum Filtering {
    /** A reply from another address of the server came through. */
    ENDPOINT_INDEPENDENT,
    /** Another port of the server got through, another address did not. */
    ADDRESS_DEPENDENT,
    /**
     * Another port of the server got through; the server has one address, so this is
     * endpoint-independent or address-dependent.
     */
    NOT_PORT_DEPENDENT,
    /** Only the exact address and port we sent to got through. */
    ADDRESS_AND_PORT_DEPENDENT,
    /** Not tested. */
    UNKNOWN
  }
}
