package dev.gretun.core.dataplane;

/**
 * One peer's data-plane totals at one read of {@link Dataplane#readTraffic()}.
 *
 * @param inboundSeen data from the peer's endpoint arrived since the previous read
 * @param relayedSeen data from the peer came through the relay since the previous read (the
 *     userspace plane; the kernel plane cannot tell: a device pointed at the peer drops it)
 * @param pathLost why the plane saw the path die since the previous read (e.g. the kernel plane's
 *     device was deleted under it), or null
 */
public record PeerTraffic(
    long rxPackets,
    long rxBytes,
    long txPackets,
    long txBytes,
    boolean inboundSeen,
    boolean relayedSeen,
    String pathLost) {
  public static final PeerTraffic ZERO = new PeerTraffic(0, 0, 0, 0, false, false, null);
}
