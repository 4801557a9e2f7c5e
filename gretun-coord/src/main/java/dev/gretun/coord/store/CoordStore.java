package dev.gretun.coord.store;

import dev.gretun.coord.CoordRejection;
import dev.gretun.coord.relay.Mailboxes;
import dev.gretun.core.coord.CoordWire.Endpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Durable coordinator state: nodes with their tunnel addresses, removals (for peer deltas), join
 * keys and a monotonically increasing version bumped by every visible change. Every write is
 * committed durably before the method returns, so an acknowledged registration survives a crash.
 * Implementations must tolerate a second process (the admin CLI) writing the same store: the server
 * notices through {@link #version()}.
 *
 * <p>Implementations: SQLite ({@link SqliteCoordStore}, one server) and PostgreSQL ({@link
 * PostgresCoordStore}, several replicas on one database), both {@link SqlCoordStore}.
 */
public interface CoordStore extends AutoCloseable {
  /** Random id fixed when the store was created; part of every peers cursor. */
  String storeId();

  /** Current version (cheap; polled to notice changes made by other processes). */
  long version();

  /**
   * Calls {@code listener} (on another thread) soon after any process committed a change that moved
   * the version, so long-polls held here wake without waiting for the next poll of {@link
   * #version()}. Stores without notifications never call it.
   */
  default void onChange(Runnable listener) {}

  /**
   * Enters an accepted request's signature into the replay memory shared by the replicas on this
   * store, until {@code expiresAt} (Unix seconds); false when any replica entered it before (a
   * replay). Stores used by one process keep no such memory (the process's own suffices) and always
   * answer true.
   */
  default boolean rememberSignature(byte[] signature, long expiresAt, long now) {
    return true;
  }

  /**
   * Signal mailboxes kept in this store, shared by every replica on it, with at most {@code
   * perRecipient} envelopes per recipient kept at most {@code ttl}; empty when the coordinator
   * keeps them in memory (one process).
   */
  default Optional<Mailboxes> sharedMailboxes(int perRecipient, Duration ttl) {
    return Optional.empty();
  }

  /** Result of {@link #register}. */
  record RegisterOutcome(NodeRecord node, boolean created) {}

  /**
   * Registers a new node or refreshes a known one (keeping its tunnel address).
   *
   * @throws CoordRejection disco_key_taken, join_key_*, pool_exhausted
   */
  RegisterOutcome register(Registration r);

  /**
   * Replaces a node's endpoints and raises its replay floor to {@code signedAt} in the same
   * transaction; empty when the node is unknown.
   */
  Optional<NodeRecord> updateEndpoints(
      String nodeKey, List<Endpoint> endpoints, Instant now, long signedAt);

  /**
   * Raises a node's replay floor (the highest signed timestamp of a state-changing request it made)
   * to {@code signedAt}; for state changes kept in memory only (signals).
   */
  void raiseReplayFloor(String nodeKey, long signedAt);

  /** Every node's replay floor: node key -> highest signed timestamp of its accepted writes. */
  Map<String, Long> replayFloors();

  /**
   * Refuses, without changing anything, a join key that {@link #register} would refuse for a new
   * node (join_key_required, join_key_invalid, join_key_expired/revoked/used).
   */
  void checkJoinKey(String joinKey, Instant now);

  /** Changes after {@code version} (all nodes when 0). */
  StoreChanges changesSince(long version);

  List<NodeRecord> nodes();

  /** Removes the node whose node key, name or tunnel IP is {@code selector}. */
  Optional<NodeRecord> removeNode(String selector);

  /** A new join key: the stored record and the secret, which is shown once and never stored. */
  record IssuedJoinKey(JoinKeyRecord key, String secret) {}

  IssuedJoinKey createJoinKey(boolean reusable, Instant expiresAt, Instant now);

  List<JoinKeyRecord> joinKeys();

  /** Marks a key revoked; false when no such id. */
  boolean revokeJoinKey(String id, Instant now);

  @Override
  void close();
}
