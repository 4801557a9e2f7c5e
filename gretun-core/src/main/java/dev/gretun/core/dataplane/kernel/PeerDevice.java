package dev.gretun.core.dataplane.kernel;

import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.dataplane.PeerTraffic;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import dev.gretun.core.wire.netlink.LinkStats;

/** One peer's GRE device as the kernel plane configured it, and its traffic. Event loop only. */
final class PeerDevice {
  final String peer;

  /** The route last applied; null before the first. */
  PeerRoute route;

  String name;

  /** The kernel's index; -1 while there is no device. */
  int index = -1;

  GreLinkSpec spec;
  boolean up;

  /**
   * The device points at the relay: its inbound data proves nothing about the direct path, so it is
   * counted but never marks {@link #inboundSeen}.
   */
  boolean relayed;

  /** Transmit checksum offload was turned off (while relayed; see GreDevices#finishChecksums). */
  boolean txChecksumOff;

  /** The device's counters at the last read (deltas are added to the totals below). */
  LinkStats seen = LinkStats.ZERO;

  long rxPackets;
  long rxBytes;
  long txPackets;
  long txBytes;
  boolean inboundSeen;

  /** Why the path died since the last {@link #take()}, or null. */
  String lost;

  PeerDevice(String peer) {
    this.peer = peer;
  }

  boolean exists() {
    return index >= 0;
  }

  /** The totals now; clears the since-last flags. */
  PeerTraffic take() {
    PeerTraffic t =
        new PeerTraffic(rxPackets, rxBytes, txPackets, txBytes, inboundSeen, false, lost);
    inboundSeen = false;
    lost = null;
    return t;
  }
}
