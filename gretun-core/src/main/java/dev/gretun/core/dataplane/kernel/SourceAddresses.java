package dev.gretun.core.dataplane.kernel;

import dev.gretun.core.link.LinkControl;
import dev.gretun.core.os.SockAddrIn;
import java.net.Inet4Address;
import java.util.HashMap;
import java.util.Map;

/**
 * The kernel's source address toward a destination (RTM_GETROUTE), cached per destination: the raw
 * sender needs it for every UDP checksum, and a GRE device's {@code local} is the same answer.
 * Event loop only.
 */
final class SourceAddresses {
  private static final int MAX = 4096;
  private final LinkControl kernel;
  private final Map<Integer, Inet4Address> cache = new HashMap<>();

  SourceAddresses(LinkControl kernel) {
    this.kernel = kernel;
  }

  Inet4Address toward(int dst) {
    Inet4Address src = cache.get(dst);
    if (src == null) {
      src = kernel.routeSource((Inet4Address) SockAddrIn.toInet(dst));
      if (cache.size() >= MAX) {
        cache.clear();
      }
      cache.put(dst, src);
    }
    return src;
  }

  /** Forgets {@code dst}'s answer (routes may have changed). */
  void forget(int dst) {
    cache.remove(dst);
  }
}
