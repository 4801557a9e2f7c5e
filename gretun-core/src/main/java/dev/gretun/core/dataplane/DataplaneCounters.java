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

  /** The kernel refused to send (buffer full, unreachable). */
  public final LongAdder dropSendFailed = new LongAdder();

  /** Disco/STUN datagrams the event loop could not take in time. */
  public final LongAdder dropDiscoStunBusy = new LongAdder();
}
