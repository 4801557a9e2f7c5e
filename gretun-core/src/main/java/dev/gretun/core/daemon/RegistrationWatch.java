package dev.gretun.core.daemon;

import dev.gretun.core.GretunException;
import dev.gretun.core.coord.CoordWire;

/**
 * Notices a re-registration (the client registers again on its own when the coordinator forgot us)
 * that gave this node another tunnel address or prefix. The TUN device, the kernel devices and
 * every peer's route carry the old one, so the daemon stops with {@code tunnel_ip_changed} rather
 * than run half on each. Event loop only; cheap enough for every tick.
 */
final class RegistrationWatch {
  private final Coordinator coord;
  private final String expected;
  private int seen;

  RegistrationWatch(Coordinator coord, TunnelPool pool) {
    this.coord = coord;
    this.expected = pool.selfText() + "/" + pool.prefixLength();
    this.seen = coord.registrations();
  }

  /** Null while our address holds; the failure to stop with once a re-registration changed it. */
  GretunException check() {
    int n = coord.registrations();
    if (n == seen) {
      return null;
    }
    seen = n;
    CoordWire.RegisterResponse r = coord.registration();
    if (r == null) {
      return null;
    }
    String now = PeerFilter.safe(r.tunnelIp()) + "/" + r.prefixLength();
    if (now.equals(expected)) {
      return null;
    }
    return new GretunException(
        "tunnel_ip_changed",
        "tunnel_ip_changed old=" + expected + " new=" + now + "; restart gretun up");
  }
}
