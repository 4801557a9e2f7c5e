package dev.gretun.core.dataplane.kernel;

import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.link.LinkControl;
import dev.gretun.core.util.Ticker;
import dev.gretun.core.wire.netlink.LinkStats;
import java.util.Map;

/**
 * Reads the devices' counters (one RTM_GETSTATS dump, at most every 200 ms): new rx packets on a
 * device that points at the peer's endpoint mean inbound data from the peer (the direct path works;
 * on a device pointing at the relay they do not), the deltas feed the per-peer and plane totals,
 * and a device missing from the dump was deleted under us.
 */
final class DeviceCounters {
  private static final long POLL_INTERVAL_NANOS = 200_000_000L;

  private final LinkControl kernel;
  private final DataplaneCounters counters;
  private final Ticker ticker;
  private long lastPoll = Long.MIN_VALUE / 2;

  DeviceCounters(LinkControl kernel, DataplaneCounters counters, Ticker ticker) {
    this.kernel = kernel;
    this.counters = counters;
    this.ticker = ticker;
  }

  void poll(GreDevices devices) {
    long now = ticker.nanos();
    if (now - lastPoll < POLL_INTERVAL_NANOS || devices.all().isEmpty()) {
      return;
    }
    lastPoll = now;
    Map<Integer, LinkStats> byIndex = kernel.linkStats();
    for (PeerDevice d : devices.all()) {
      if (!d.exists()) {
        continue;
      }
      LinkStats s = byIndex.get(d.index);
      if (s == null) {
        devices.vanished(d);
        continue;
      }
      add(d, s);
    }
  }

  /** Takes the device's counters {@code s} into its totals (relayed ones never mark inbound). */
  void add(PeerDevice d, LinkStats s) {
    LinkStats old = d.seen;
    if (s.rxPackets() < old.rxPackets() || s.txPackets() < old.txPackets()) {
      old = LinkStats.ZERO; // the device was re-created under us
    }
    long rxp = s.rxPackets() - old.rxPackets();
    long txp = s.txPackets() - old.txPackets();
    long rxb = s.rxBytes() - old.rxBytes();
    long txb = s.txBytes() - old.txBytes();
    d.rxPackets += rxp;
    d.rxBytes += rxb;
    d.txPackets += txp;
    d.txBytes += txb;
    counters.rxPackets.add(rxp);
    counters.rxBytes.add(rxb);
    counters.txPackets.add(txp);
    counters.txBytes.add(txb);
    if (rxp > 0 && !d.relayed) {
      d.inboundSeen = true;
    }
    d.seen = s;
  }
}
