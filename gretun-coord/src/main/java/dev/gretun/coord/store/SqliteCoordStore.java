package dev.gretun.coord.store;

import dev.gretun.coord.CoordRejection;
import dev.gretun.coord.auth.JoinKeys;
import dev.gretun.core.GretunException;
import dev.gretun.core.coord.CoordWire.Endpoint;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sqlite.SQLiteConfig;

/**
 * {@link CoordStore} on one SQLite file ({@code <state-dir>/coord.db}). The registration rules live
 * here; the SQL lives in {@link NodeTable}, {@link JoinKeyTable}, {@link StateRow} and {@link
 * Migrations}, run through {@link SqliteDb}.
 *
 * <p>Durability: WAL journal, and every write method commits before it returns (so before the HTTP
 * reply). With {@link Sync#FULL} (the default) every commit fsyncs the WAL, so neither a SIGKILL
 * nor a power loss after a reply can lose that write. {@link Sync#NORMAL} skips the fsync: the WAL
 * write still reaches the kernel before commit returns, so a SIGKILL loses nothing, but a power
 * loss or kernel crash may roll back the last commits. Write transactions start IMMEDIATE and wait
 * up to 10 s for the lock, so the admin CLI and the server can write the same file concurrently.
 *
 * <p>One connection, serialized by this object's monitor.
 */
public final class SqliteCoordStore implements CoordStore {
  public static final String FILE_NAME = "coord.db";

  private final SqliteDb db;
  private final StateRow state;
  private final NodeTable nodes;
  private final JoinKeyTable joinKeys;
  private final String storeId;
  private final SecureRandom random = new SecureRandom();

  private SqliteCoordStore(Connection conn) {
    this.db = new SqliteDb(conn);
    this.state = new StateRow(db);
    this.nodes = new NodeTable(db);
    this.joinKeys = new JoinKeyTable(db);
    byte[] fresh = new byte[8];
    random.nextBytes(fresh);
    this.storeId =
        db.tx(
            true,
            () -> {
              Migrations.apply(conn, HexFormat.of().formatHex(fresh));
              return state.storeId();
            });
  }

  /**
   * When a commit is durable: {@code FULL} fsyncs the WAL on every commit (survives power loss);
   * {@code NORMAL} writes the WAL without fsync (survives a killed process, since the data is in
   * the OS page cache, but a power loss may roll back the last commits).
   */
  public enum Sync {
    FULL,
    NORMAL
  }

  /** Opens (creating when needed) the store in {@code stateDir} with {@link Sync#FULL}. */
  public static SqliteCoordStore open(Path stateDir) {
    return open(stateDir, Sync.FULL);
  }

  /** Opens (creating when needed) the store in {@code stateDir}. */
  public static SqliteCoordStore open(Path stateDir, Sync sync) {
    SqliteDb.secureStateDir(stateDir, FILE_NAME);
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
    cfg.setSynchronous(
        sync == Sync.FULL
            ? SQLiteConfig.SynchronousMode.FULL
            : SQLiteConfig.SynchronousMode.NORMAL);
    cfg.setBusyTimeout(10_000);
    String url = "jdbc:sqlite:" + stateDir.resolve(FILE_NAME).toAbsolutePath();
    try {
      // Autocommit stays on: transactions are explicit BEGIN/COMMIT (see SqliteDb.tx), so no lock
      // is held between calls and the admin CLI can write while the server runs.
      Connection c = cfg.createConnection(url);
      return new SqliteCoordStore(c);
    } catch (SQLException e) {
      throw new GretunException("state_dir", "cannot open store " + url + ": " + e.getMessage(), e);
    }
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
    db.close();
  }
}
