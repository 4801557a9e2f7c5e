package dev.gretun.core.dataplane.userspace;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * An immutable int-keyed lookup of peer paths (sorted keys + binary search), rebuilt by the event
 * loop and read by the packet threads without locks, boxing or allocation.
 */
final class IntKeyedPaths {
  static final IntKeyedPaths EMPTY = new IntKeyedPaths(new int[0], new PeerPath[0]);

  private final int[] keys;
  private final PeerPath[] paths;

  private IntKeyedPaths(int[] keys, PeerPath[] paths) {
    this.keys = keys;
    this.paths = paths;
  }

  /** The paths by {@code key}; of two paths with one key, the later wins. */
  static IntKeyedPaths of(Collection<PeerPath> all, ToIntFunction<PeerPath> key) {
    TreeMap<Integer, PeerPath> sorted = new TreeMap<>();
    for (PeerPath p : all) {
      sorted.put(key.applyAsInt(p), p);
    }
    int[] keys = new int[sorted.size()];
    PeerPath[] paths = new PeerPath[sorted.size()];
    int i = 0;
    for (Map.Entry<Integer, PeerPath> e : sorted.entrySet()) {
      keys[i] = e.getKey();
      paths[i++] = e.getValue();
    }
    return new IntKeyedPaths(keys, paths);
  }

  /** The path with {@code key}, or null. */
  PeerPath get(int key) {
    int i = Arrays.binarySearch(keys, key);
    return i < 0 ? null : paths[i];
  }
}
