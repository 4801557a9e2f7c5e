package dev.gretun.coord.store;

import dev.gretun.coord.CoordRejection;
import dev.gretun.coord.auth.JoinKeys;
import dev.gretun.coord.relay.Mailboxes;
import dev.gretun.core.GretunException;
import dev.gretun.core.coord.CoordWire.Endpoint;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link CoordStore} on SQL: one SQLite file ({@link SqliteCoordStore}) or a PostgreSQL database
 * shared by several coordinator replicas ({@link PostgresCoordStore}). The registration rules live
 * here; the SQL lives in {@link NodeTable}, {@link JoinKeyTable}, {@link StateRow} and {@link
 * Migrations}, run through {@link SqlDb}; what differs between the databases is in {@link
 * SqlDialect}.
 *
 * <p>Every write method commits before it returns (so before the HTTP reply). Write transactions
 * take the store-wide write lock first ({@link SqlDialect#begin}), so two processes on one store
 * never hand out one tunnel address twice. Callers in this process are serialized by this object's
 * monitor.
 */
public final class SqlCoordStore implements CoordStore {
  private final SqlDb db;
  private final StateRow state;
  private final NodeTable nodes;
  private final JoinKeyTable joinKeys;
  private final String storeId;
  private final SecureRandom random = new SecureRandom();
  private final ChangeFeed feed;

  /** Delivers changes made by other processes; {@link #NONE} where the version is polled. */
  interface ChangeFeed extends AutoCloseable {
    ChangeFeed NONE =
        new ChangeFeed() {
          @Override
          public void subscribe(Runnable listener) {}

          @Override
          public void close() {}
        };

    void subscribe(Runnable listener);

    @Override
    void close();
  }

  /** Makes the shared mailboxes of a store that keeps them ({@link #sharedMailboxes}). */
  interface MailboxFactory {
    Mailboxes create(int perRecipient, Duration ttl);
  }

  private final MailboxFactory mailboxes;

  SqlCoordStore(SqlDialect dialect, ChangeFeed feed, MailboxFactory mailboxes) {
    this.mailboxes = mailboxes;
    this.db = new SqlDb(dialect);
    this.state = new StateRow(db);
    this.nodes = new NodeTable(db);
    this.joinKeys = new JoinKeyTable(db);
    this.feed = feed;
    byte[] fresh = new byte[8];
    random.nextBytes(fresh);
    try {
      this.storeId =
          db.tx(
              true,
              () -> Migrations.apply(db, dialect.migrations(), HexFormat.of().formatHex(fresh)));
    } catch (RuntimeException e) {
      feed.close();
      db.close();
      throw e;
    }
  }

  @Override
  public Optional<Mailboxes> sharedMailboxes(int perRecipient, Duration ttl) {
    return mailboxes == null ? Optional.empty() : Optional.of(mailboxes.create(perRecipient, ttl));
  }

  @Override
  public boolean rememberSignature(byte[] signature, long expiresAt, long now) {
    if (!db.dialect().shared()) {
      return true;
    }
    // Not synchronized: one INSERT, concurrent across requests (the primary key decides).
    return db.tx(
        false,
        () -> {
          if (now >= nextSignaturePurge) {
            nextSignaturePurge = now + 10;
            db.update("DELETE FROM replay_signatures WHERE expires_at < ?", now);
          }
          return db.update(
                  "INSERT INTO replay_signatures (signature, expires_at) VALUES (?, ?)"
                      + " ON CONFLICT (signature) DO NOTHING",
                  signature,
                  expiresAt)
              == 1;
        });
  }

  private volatile long nextSignaturePurge;

  @Override
  public void onChange(Runnable listener) {
    feed.subscribe(listener);
  }

  @Override
  public String storeId() {
    return storeId;
  }

  @Override
  public synchronized long version() {
    return db.tx(false, state::version);
  }

  @Override
  public synchronized RegisterOutcome register(Registration r) {
    return db.tx(
        true,
        () -> {
          Optional<NodeRecord> existing = nodes.byNodeKey(r.nodeKey());
          Optional<NodeRecord> discoOwner = nodes.byDiscoKey(r.discoKey());
          if (discoOwner.isPresent() && !discoOwner.get().nodeKey().equals(r.nodeKey())) {
            throw new CoordRejection(
                409, "disco_key_taken", "this disco key is registered to another node key");
          }
          if (existing.isPresent()) {
            NodeRecord n = existing.get();
            nodes.raiseSignedAt(r.nodeKey(), r.signedAt());
            if (n.discoKey().equals(r.discoKey()) && n.name().equals(r.name())) {
              return new RegisterOutcome(n, false);
            }
            nodes.updateIdentity(r, state.bump());
            return new RegisterOutcome(nodes.byNodeKey(r.nodeKey()).orElseThrow(), false);
          }
          String keyId = r.requireJoinKey() ? consumeJoinKey(r.joinKey(), r.now()) : null;
          long ip =
              nodes
                  .lowestFreeIp(r.pool())
                  .orElseThrow(
                      () ->
                          new CoordRejection(
                              409,
                              "pool_exhausted",
                              "tunnel address pool "
                                  + r.pool()
                                  + " is exhausted; ask the operator"));
          nodes.insert(r, ip, keyId, state.bump());
          return new RegisterOutcome(nodes.byNodeKey(r.nodeKey()).orElseThrow(), true);
        });
  }

  /** Checks {@code text} against the stored keys and counts one use; returns the key id. */
  private String consumeJoinKey(String text, Instant now) throws SQLException {
    String id = usableJoinKey(text, now);
    joinKeys.recordUse(id, now);
    return id;
  }

  /** The id of the usable join key {@code text}; throws the 403 a registration would get. */
  private String usableJoinKey(String text, Instant now) throws SQLException {
    if (text == null || text.isEmpty()) {
      throw new CoordRejection(
          403, "join_key_required", "this coordinator requires a join key to register");
    }
    String id = JoinKeys.idOf(text);
    Optional<JoinKeyTable.Stored> stored = id == null ? Optional.empty() : joinKeys.byId(id);
    if (stored.isEmpty() || !JoinKeys.matches(text, stored.get().hash())) {
      throw new CoordRejection(403, "join_key_invalid", "join key not recognized");
    }
    String status = stored.get().key().status(now);
    if (!status.equals("valid")) {
      throw new CoordRejection(
          403, "join_key_" + status, "join key " + id + " is " + status + "; ask for a new one");
    }
    return id;
  }

  @Override
  public synchronized void checkJoinKey(String joinKey, Instant now) {
    db.tx(false, () -> usableJoinKey(joinKey, now));
  }

  @Override
  public synchronized Optional<NodeRecord> updateEndpoints(
      String nodeKey, List<Endpoint> endpoints, String nat, Instant now, long signedAt) {
    return db.tx(
        true,
        () -> {
          if (nodes.byNodeKey(nodeKey).isEmpty()) {
            return Optional.empty();
          }
          nodes.updateEndpoints(nodeKey, endpoints, nat, now, state.bump());
          nodes.raiseSignedAt(nodeKey, signedAt);
          return nodes.byNodeKey(nodeKey);
        });
  }

  @Override
  public synchronized void raiseReplayFloor(String nodeKey, long signedAt) {
    db.tx(
        true,
        () -> {
          nodes.raiseSignedAt(nodeKey, signedAt);
          return null;
        });
  }

  @Override
  public synchronized Map<String, Long> replayFloors() {
    return db.tx(false, nodes::signedAt);
  }

  @Override
  public synchronized StoreChanges changesSince(long version) {
    return db.tx(
        false,
        () -> {
          long current = state.version();
          List<NodeRecord> changed = nodes.changedSince(version);
          return new StoreChanges(current, changed, nodes.removedSince(version));
        });
  }

  @Override
  public synchronized List<NodeRecord> nodes() {
    return db.tx(false, nodes::all);
  }

  @Override
  public synchronized Optional<NodeRecord> removeNode(String selector) {
    return db.tx(
        true,
        () -> {
          Optional<NodeRecord> n = nodes.byNodeKey(selector);
          if (n.isEmpty()) {
            n = uniqueByName(selector);
          }
          if (n.isEmpty()) {
            try {
              n = nodes.byTunnelIp(Integer.toUnsignedLong(IpPool.parseIpv4(selector)));
            } catch (IllegalArgumentException notAnIp) {
              // fall through: nothing matched
            }
          }
          if (n.isPresent()) {
            nodes.delete(n.get().nodeKey(), state.bump());
          }
          return n;
        });
  }

  private Optional<NodeRecord> uniqueByName(String name) throws SQLException {
    List<NodeRecord> named = nodes.named(name);
    if (named.size() > 1) {
      throw new GretunException(
          "ambiguous", "several nodes are named '" + name + "': remove by node key or tunnel IP");
    }
    return named.stream().findFirst();
  }

  @Override
  public synchronized IssuedJoinKey createJoinKey(
      boolean reusable, Instant expiresAt, Instant now) {
    return db.tx(
        true,
        () -> {
          String id = JoinKeys.newId(random);
          String secret = JoinKeys.newSecret(id, random);
          joinKeys.insert(id, JoinKeys.hash(secret), reusable, now, expiresAt);
          JoinKeyRecord rec = new JoinKeyRecord(id, reusable, now, expiresAt, null, 0, null);
          return new IssuedJoinKey(rec, secret);
        });
  }

  @Override
  public synchronized List<JoinKeyRecord> joinKeys() {
    return db.tx(false, joinKeys::all);
  }

  @Override
  public synchronized boolean revokeJoinKey(String id, Instant now) {
    return db.tx(true, () -> joinKeys.revoke(id, now));
  }

  @Override
  public synchronized void close() {
    feed.close();
    db.close();
  }
}
