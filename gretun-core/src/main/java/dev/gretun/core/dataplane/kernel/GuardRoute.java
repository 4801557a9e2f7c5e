package dev.gretun.core.dataplane.kernel;

import dev.gretun.core.link.KernelErrors;
import dev.gretun.core.link.LinkControl;
import dev.gretun.core.os.Errno;
import dev.gretun.core.os.NetlinkException;
import dev.gretun.core.os.SockAddrIn;
import java.net.Inet4Address;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code unreachable <overlay prefix> metric 4000} in the main table: while a peer's link is down
 * its /32 route is gone, and this route drops the packets instead of letting them follow the
 * default route into the underlay (docs/NAT-TRAVERSAL.md §3.6). One left behind by a killed run is
 * re-used.
 */
final class GuardRoute {
  private static final Logger log = LoggerFactory.getLogger(GuardRoute.class);

  /** Below every route a user would add. */
  static final int METRIC = 4000;

  private final LinkControl kernel;
  private final Inet4Address network;
  private final int prefixLength;
  private boolean added;

  GuardRoute(LinkControl kernel, Inet4Address tunnelIp, int prefixLength) {
    this.kernel = kernel;
    int mask = prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    this.network = (Inet4Address) SockAddrIn.toInet(SockAddrIn.ipv4(tunnelIp) & mask);
    this.prefixLength = prefixLength;
  }

  void add() {
    try {
      kernel.unreachableRoute(true, network, prefixLength, METRIC);
    } catch (NetlinkException e) {
      if (!e.is(Errno.EEXIST)) {
        throw KernelErrors.translate(e, "add the overlay's unreachable route");
      }
    }
    added = true;
  }

  void remove() {
    if (!added) {
      return;
    }
    added = false;
    try {
      kernel.unreachableRoute(false, network, prefixLength, METRIC);
    } catch (NetlinkException e) {
      log.warn("kernel_route_delete_failed error={}", e.getMessage());
    }
  }
}
