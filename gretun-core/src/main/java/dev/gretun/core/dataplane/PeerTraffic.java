package dev.gretun.core.dataplane;

/**
 * One peer's data-plane totals at one read of {@link Dataplane#readTraffic()}.
 *
 * @param inboundSeen data from the peer's endpoint arrived since the previous read
 * @param pathLost why the plane saw the path die since the previous read (e.g. the kernel plane's
 *     device was deleted under it), or null
 */
public record PeerTraffic(
    long rxPackets,
    long rxBytes,
    long txPackets,
    long txBytes,
    boolean inboundSeen,
    String pathLost) {
  public static final PeerTraffic ZERO = new PeerTraffic(0, 0, 0, 0, false, null);
}
