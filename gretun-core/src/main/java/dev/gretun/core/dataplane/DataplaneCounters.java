package dev.gretun.core.dataplane;

import java.util.concurrent.atomic.LongAdder;

/** Data-plane totals and drop reasons, bumped by the packet threads, read by metrics. */
public final class DataplaneCounters {
  public final LongAdder rxPackets = new LongAdder();
  public final LongAdder txPackets = new LongAdder();
  public final LongAdder rxBytes = new LongAdder();
  public final LongAdder txBytes = new LongAdder();

  /** Inner packet for an address no peer holds, or a peer without a usable path. */
  public final LongAdder dropNoPath = new LongAdder();

  /** GRE with a key no peer pair uses. */
  public final LongAdder dropUnknownKey = new LongAdder();

  /** GRE from an address that is not the peer's current endpoint. */
  public final LongAdder dropWrongSource = new LongAdder();

  /** Datagrams that parse as nothing we speak, or truncated/odd GRE and inner packets. */
  public final LongAdder dropMalformed = new LongAdder();

  /**
   * GRE from a peer's endpoint with the peer's key whose inner IPv4 source is not that peer's
   * tunnel address (another member forging a third one's packets).
   */
  public final LongAdder dropSpoofedSource = new LongAdder();

  /** The kernel refused to send (buffer full, unreachable). */
  public final LongAdder dropSendFailed = new LongAdder();

  /**
   * A send failed with an errno outside the expected per-datagram list (e.g. EINVAL, EACCES,
   * EADDRNOTAVAIL): dropped, and the packet thread carried on.
   */
  public final LongAdder dropSendError = new LongAdder();

  /** A receive (socket, TUN, packet tap) failed with an unexpected errno; the thread carried on. */
  public final LongAdder dropReceiveError = new LongAdder();

  /** Disco/STUN datagrams the event loop could not take in time. */
  public final LongAdder dropDiscoStunBusy = new LongAdder();

  /**
   * Received TCP segments that reached the TUN device joined with others into one super-packet
   * (userspace plane, receive-side coalescing).
   */
  public final LongAdder rxCoalescedSegments = new LongAdder();

  /** Peers refused because another peer of this node already holds their GRE key. */
  public final LongAdder greKeyCollisions = new LongAdder();
}
