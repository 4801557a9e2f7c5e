package dev.gretun.coord.auth;

import java.util.Map;

/**
 * Refuses, after a restart, signed requests that an earlier coordinator process may have accepted.
 * The replay memory lives in the process, so it cannot recognize a request accepted before the
 * restart; the store keeps, per node, the highest signed timestamp of its accepted state-changing
 * requests (its floor, written in the same transaction as the change). This object holds the floors
 * as they were when this process started.
 *
 * <p>A request accepted by an earlier process was signed before this one started, with a clock at
 * most one window ahead: its timestamp is at most {@code startedAt + window}. Above that bound the
 * replay memory alone decides. At or below it, a timestamp at or below the node's floor is refused.
 * Floors written by this process are not consulted (its own requests are in the replay memory), so
 * two requests of a node in the same second are both accepted. Once no timestamp inside the window
 * can be at or below the bound, the floors are dropped.
 */
public final class ReplayFloor {
  private final long guardedUntil;
  private final long windowSeconds;
  private volatile Map<String, Long> floors;

  /**
   * @param floors node key -> floor, as stored when the process started
   * @param startedAt Unix seconds when the process started
   * @param windowSeconds the signature timestamp window
   */
  public ReplayFloor(Map<String, Long> floors, long startedAt, long windowSeconds) {
    this.floors = Map.copyOf(floors);
    this.guardedUntil = startedAt + windowSeconds;
    this.windowSeconds = windowSeconds;
  }

  /** True when {@code nodeKey}'s request signed at {@code signedAt} may be a pre-restart replay. */
  public boolean refuses(String nodeKey, long signedAt, long now) {
    if (signedAt > guardedUntil) {
      if (now - windowSeconds > guardedUntil && !floors.isEmpty()) {
        floors = Map.of(); // every timestamp still inside the window is above the bound
      }
      return false;
    }
    Long floor = floors.get(nodeKey);
    return floor != null && signedAt <= floor;
  }

  /** Number of floors still held (0 once the guarded period is over). */
  public int size() {
    return floors.size();
  }
}
