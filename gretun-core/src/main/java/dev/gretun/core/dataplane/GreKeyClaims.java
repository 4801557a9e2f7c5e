package dev.gretun.core.dataplane;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One GRE key, one peer: both planes find a peer's inbound packets by the pair key (the userspace
 * plane's key table, the kernel's (local, remote, key) lookup and our {@code gt<key>} device
 * names), so two peers of this node with the same key cannot both have a path. The peer that holds
 * a key keeps it; a second one is refused (no path), logged once as {@code gre_key_collision} and
 * counted, until the collision is gone. Event loop only.
 */
public final class GreKeyClaims {
  private static final Logger log = LoggerFactory.getLogger(GreKeyClaims.class);

  private final LongAdder collisions;
  private Map<Integer, String> owners = Map.of();
  private Set<String> refused = Set.of();

  public GreKeyClaims(LongAdder collisions) {
    this.collisions = collisions;
  }

  /**
   * The routes that may have a path, in their given order: of several peers on one key, the one
   * that held it at the previous call, else the first listed.
   */
  public List<PeerRoute> admit(Collection<PeerRoute> routes) {
    Map<Integer, PeerRoute> winners = new HashMap<>();
    for (PeerRoute r : routes) {
      if (r.peer().equals(owners.get(r.greKey()))) {
        winners.put(r.greKey(), r);
      }
    }
    for (PeerRoute r : routes) {
      winners.putIfAbsent(r.greKey(), r);
    }
    List<PeerRoute> admitted = new ArrayList<>(routes.size());
    Set<String> nowRefused = new HashSet<>();
    Map<Integer, String> nextOwners = new HashMap<>();
    for (PeerRoute r : routes) {
      PeerRoute winner = winners.get(r.greKey());
      if (winner == r) {
        admitted.add(r);
        nextOwners.put(r.greKey(), r.peer());
        continue;
      }
      String id = r.peer() + "/" + r.greKey();
      nowRefused.add(id);
      if (!refused.contains(id)) {
        collisions.increment();
        log.warn(
            "gre_key_collision peer={} other={} key={} action=refused",
            r.peer(),
            winner.peer(),
            Integer.toUnsignedString(r.greKey()));
      }
    }
    owners = nextOwners;
    refused = nowRefused;
    return admitted;
  }
}
