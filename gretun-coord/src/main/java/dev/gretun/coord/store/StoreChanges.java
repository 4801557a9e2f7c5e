package dev.gretun.coord.store;

import java.util.List;

/**
 * What changed after a given store version: nodes whose version is newer (current state) and nodes
 * removed since then (node key and removal version). {@code version} is the store version read in
 * the same transaction.
 */
public record StoreChanges(long version, List<NodeRecord> changed, List<Removal> removed) {
  /** A removed node key and the version at which it was removed. */
  public record Removal(String nodeKey, long version) {}
}
