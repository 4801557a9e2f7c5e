package dev.gretun.core.daemon;

import dev.gretun.core.dataplane.kernel.PeerDevices;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The host's own IPv4 addresses that a peer on the same LAN could reach: interfaces that are up,
 * not loopback, not link-local, and not gretun's own tunnel devices (announcing an overlay address
 * as an underlay endpoint would route the tunnel through itself).
 */
public final class LocalAddresses {
  private LocalAddresses() {}

  /** Addresses of all qualifying interfaces except those named in {@code excludedInterfaces}. */
  public static List<InetAddress> collect(Set<String> excludedInterfaces) throws SocketException {
    List<InetAddress> out = new ArrayList<>();
    for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nif.isUp()
          || nif.isLoopback()
          || excludedInterfaces.contains(nif.getName())
          || PeerDevices.looksLikeDeviceName(nif.getName())) { // the kernel plane's GRE devices
        continue;
      }
      for (InetAddress a : Collections.list(nif.getInetAddresses())) {
        if (a instanceof Inet4Address && usable(a)) {
          out.add(a);
        }
      }
    }
    return out;
  }

  static boolean usable(InetAddress a) {
    return !a.isLoopbackAddress()
        && !a.isLinkLocalAddress()
        && !a.isAnyLocalAddress()
        && !a.isMulticastAddress();
  }
}
