package dev.gretun.core.dataplane.userspace;

import java.util.concurrent.atomic.LongAdder;

/**
 * The data plane's view of one peer: its overlay address, the pair's GRE key and where (if
 * anywhere) to send. The control thread writes; the packet threads only read the volatile fields
 * and bump counters, so no lock is taken per packet.
 */
public final class PeerPath {
  final int greKey;
  final int tunnelIp;
  volatile int endpointIp;
  volatile int endpointPort;
  volatile boolean sending;
  volatile boolean inboundSeen;
  volatile int lastInboundIp;
  volatile int lastInboundPort;
  final LongAdder rxBytes = new LongAdder();
  final LongAdder txBytes = new LongAdder();
  final LongAdder rxPackets = new LongAdder();
  final LongAdder txPackets = new LongAdder();

  public PeerPath(int greKey, int tunnelIp) {
    this.greKey = greKey;
    this.tunnelIp = tunnelIp;
  }

  public int greKey() {
    return greKey;
  }

  public int tunnelIp() {
    return tunnelIp;
  }

  /** Points the path at {@code ip:port}; packets flow once {@link #setSending} is true. */
  public void setEndpoint(int ip, int port) {
    this.endpointIp = ip;
    this.endpointPort = port;
  }

  public void setSending(boolean sending) {
    this.sending = sending;
  }

  public boolean sending() {
    return sending;
  }

  /** The endpoint's address (big-endian int), 0 before {@link #setEndpoint}. */
  public int endpointIp() {
    return endpointIp;
  }

  public int endpointPort() {
    return endpointPort;
  }

  /**
   * For data planes that learn about inbound traffic by polling (the kernel plane's device
   * counters): report that data from the peer arrived.
   */
  public void markInboundSeen() {
    inboundSeen = true;
  }

  /** For polling data planes: add counter deltas read elsewhere (e.g. a device's statistics). */
  public void addTraffic(long rxPackets, long rxBytes, long txPackets, long txBytes) {
    this.rxPackets.add(rxPackets);
    this.rxBytes.add(rxBytes);
    this.txPackets.add(txPackets);
    this.txBytes.add(txBytes);
  }

  public boolean hasEndpoint() {
    return endpointPort != 0;
  }

  /** True (once) when GRE from this peer's endpoint arrived since the last call. */
  public boolean takeInboundSeen() {
    if (inboundSeen) {
      inboundSeen = false;
      return true;
    }
    return false;
  }

  public long rxBytes() {
    return rxBytes.sum();
  }

  public long txBytes() {
    return txBytes.sum();
  }

  public long rxPackets() {
    return rxPackets.sum();
  }

  public long txPackets() {
    return txPackets.sum();
  }
}
