package dev.gretun.core.peer;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SequencedSet;

/**
 * A peer's candidate endpoints: the coordinator's list (replaced on every update) plus endpoints
 * learned from call_me_maybe and ping sources (kept across coordinator updates, oldest evicted).
 * Bounded so a chatty or hostile peer cannot make us ping unboundedly many addresses.
 */
final class Candidates {
  static final int MAX_LEARNED = 8;
  static final int MAX_TOTAL = 16;

  private List<InetSocketAddress> fromCoordinator = List.of();
  private final SequencedSet<InetSocketAddress> learned = new LinkedHashSet<>();

  /** Replaces the coordinator's list; returns true when it differs from the previous one. */
  boolean setFromCoordinator(List<InetSocketAddress> endpoints) {
    var next = List.copyOf(new LinkedHashSet<>(endpoints));
    boolean changed = !new LinkedHashSet<>(next).equals(new LinkedHashSet<>(fromCoordinator));
    fromCoordinator = next;
    return changed;
  }

  boolean coordinatorListed(InetSocketAddress endpoint) {
    return fromCoordinator.contains(endpoint);
  }

  void learn(Collection<InetSocketAddress> endpoints) {
    for (var e : endpoints) {
      learn(e);
    }
  }

  void learn(InetSocketAddress endpoint) {
    if (endpoint.isUnresolved() || endpoint.getPort() == 0) {
      return;
    }
    learned.remove(endpoint);
    learned.addLast(endpoint);
    while (learned.size() > MAX_LEARNED) {
      learned.removeFirst();
    }
  }

  /** Distinct candidates, coordinator's first, at most {@value #MAX_TOTAL}. */
  List<InetSocketAddress> all() {
    var out = new LinkedHashSet<InetSocketAddress>(fromCoordinator);
    out.addAll(learned);
    var list = new ArrayList<>(out);
    return list.size() > MAX_TOTAL ? List.copyOf(list.subList(0, MAX_TOTAL)) : list;
  }

  boolean isEmpty() {
    return fromCoordinator.isEmpty() && learned.isEmpty();
  }
}
