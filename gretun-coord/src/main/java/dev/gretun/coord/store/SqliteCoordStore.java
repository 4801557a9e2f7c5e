package dev.gretun.coord.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.coord.CoordRejection;
import dev.gretun.coord.auth.JoinKeys;
import dev.gretun.core.GretunException;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.coord.CoordWire.Endpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.sqlite.SQLiteConfig;

/**
 * {@link CoordStore} on one SQLite file ({@code <state-dir>/coord.db}).
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
  private static final ObjectMapper JSON = CoordWire.mapper();
  private static final TypeReference<List<Endpoint>> ENDPOINTS = new TypeReference<>() {};

  private final Connection conn;
  private final String storeId;
  private final SecureRandom random = new SecureRandom();

  private SqliteCoordStore(Connection conn) throws SQLException {
    this.conn = conn;
    String fresh = HexFormat.of().formatHex(randomBytes(8));
    this.storeId =
        tx(
            true,
            () -> {
              Migrations.apply(conn, fresh);
              try (var st = conn.createStatement();
                  ResultSet rs = st.executeQuery("SELECT store_id FROM state WHERE id = 1")) {
                rs.next();
                return rs.getString(1);
              }
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
    try {
      Files.createDirectories(stateDir);
    } catch (java.io.IOException e) {
      throw new GretunException(
          "state_dir", "cannot create state dir " + stateDir + ": " + e.getMessage(), e);
    }
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
    cfg.setSynchronous(
        sync == Sync.FULL
            ? SQLiteConfig.SynchronousMode.FULL
            : SQLiteConfig.SynchronousMode.NORMAL);
    cfg.setBusyTimeout(10_000);
    String url = "jdbc:sqlite:" + stateDir.resolve(FILE_NAME).toAbsolutePath();
    try {
      // Autocommit stays on: transactions are explicit BEGIN/COMMIT (see tx), so no lock is
      // held between calls and the admin CLI can write while the server runs.
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
    return tx(false, this::readVersion);
  }

  @Override
  public synchronized RegisterOutcome register(Registration r) {
    return tx(
        true,
        () -> {
          Optional<NodeRecord> existing = node("node_key = ?", r.nodeKey());
          Optional<NodeRecord> discoOwner = node("disco_key = ?", r.discoKey());
          if (discoOwner.isPresent() && !discoOwner.get().nodeKey().equals(r.nodeKey())) {
            throw new CoordRejection(
                409, "disco_key_taken", "this disco key is registered to another node key");
          }
          if (existing.isPresent()) {
            NodeRecord n = existing.get();
            if (n.discoKey().equals(r.discoKey()) && n.name().equals(r.name())) {
              return new RegisterOutcome(n, false);
            }
            long v = bumpVersion();
            update(
                "UPDATE nodes SET disco_key = ?, name = ?, updated_at = ?, version = ?"
                    + " WHERE node_key = ?",
                r.discoKey(),
                r.name(),
                r.now().toEpochMilli(),
                v,
                r.nodeKey());
            return new RegisterOutcome(node("node_key = ?", r.nodeKey()).orElseThrow(), false);
          }
          String keyId = r.requireJoinKey() ? consumeJoinKey(r.joinKey(), r.now()) : null;
          long ip = allocate(r.pool());
          long v = bumpVersion();
          update(
              "INSERT INTO nodes (node_key, disco_key, name, tunnel_ip, endpoints, created_at,"
                  + " updated_at, version, join_key_id) VALUES (?, ?, ?, ?, '[]', ?, ?, ?, ?)",
              r.nodeKey(),
              r.discoKey(),
              r.name(),
              ip,
              r.now().toEpochMilli(),
              r.now().toEpochMilli(),
              v,
              keyId);
          update("DELETE FROM removals WHERE node_key = ?", r.nodeKey());
          return new RegisterOutcome(node("node_key = ?", r.nodeKey()).orElseThrow(), true);
        });
  }

  private String consumeJoinKey(String text, Instant now) throws SQLException {
    if (text == null || text.isEmpty()) {
      throw new CoordRejection(
          403, "join_key_required", "this coordinator requires a join key to register");
    }
    String id = JoinKeys.idOf(text);
    if (id == null) {
      throw new CoordRejection(403, "join_key_invalid", "join key not recognized");
    }
    byte[] hash;
    JoinKeyRecord key;
    try (PreparedStatement ps =
        conn.prepareStatement("SELECT hash, " + KEY_COLUMNS + " FROM join_keys WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new CoordRejection(403, "join_key_invalid", "join key not recognized");
        }
        hash = rs.getBytes(1);
        key = joinKey(rs, 2);
      }
    }
    if (!JoinKeys.matches(text, hash)) {
      throw new CoordRejection(403, "join_key_invalid", "join key not recognized");
    }
    String status = key.status(now);
    if (!status.equals("valid")) {
      throw new CoordRejection(
          403, "join_key_" + status, "join key " + id + " is " + status + "; ask for a new one");
    }
    update(
        "UPDATE join_keys SET uses = uses + 1, last_used_at = ? WHERE id = ?",
        now.toEpochMilli(),
        id);
    return id;
  }

  private long allocate(IpPool pool) throws SQLException {
    long first = pool.firstUsable();
    long last = pool.lastUsable();
    // Lowest free address: either the first one, or one just above a used one.
    String sql =
        "SELECT c FROM (SELECT ? AS c UNION ALL SELECT tunnel_ip + 1 FROM nodes"
            + " WHERE tunnel_ip >= ? AND tunnel_ip < ?)"
            + " WHERE NOT EXISTS (SELECT 1 FROM nodes WHERE tunnel_ip = c) ORDER BY c LIMIT 1";
    try (PreparedStatement ps = conn.prepareStatement(sql)) {
      ps.setLong(1, first);
      ps.setLong(2, first);
      ps.setLong(3, last);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return rs.getLong(1);
        }
      }
    }
    throw new CoordRejection(
        409, "pool_exhausted", "tunnel address pool " + pool + " is exhausted; ask the operator");
  }

  @Override
  public synchronized Optional<NodeRecord> updateEndpoints(
      String nodeKey, List<Endpoint> endpoints, Instant now) {
    return tx(
        true,
        () -> {
          if (node("node_key = ?", nodeKey).isEmpty()) {
            return Optional.empty();
          }
          long v = bumpVersion();
          update(
              "UPDATE nodes SET endpoints = ?, updated_at = ?, version = ? WHERE node_key = ?",
              json(endpoints),
              now.toEpochMilli(),
              v,
              nodeKey);
          return node("node_key = ?", nodeKey);
        });
  }

  @Override
  public synchronized StoreChanges changesSince(long version) {
    return tx(
        false,
        () -> {
          long current = readVersion();
          List<NodeRecord> changed = nodes("version > ? ORDER BY version", version);
          List<StoreChanges.Removal> removed = new ArrayList<>();
          try (PreparedStatement ps =
              conn.prepareStatement(
                  "SELECT node_key, version FROM removals WHERE version > ? ORDER BY version")) {
            ps.setLong(1, version);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                removed.add(new StoreChanges.Removal(rs.getString(1), rs.getLong(2)));
              }
            }
          }
          return new StoreChanges(current, changed, removed);
        });
  }

  @Override
  public synchronized List<NodeRecord> nodes() {
    return tx(false, () -> nodes("1 = 1 ORDER BY tunnel_ip", new Object[0]));
  }

  @Override
  public synchronized Optional<NodeRecord> removeNode(String selector) {
    return tx(
        true,
        () -> {
          Optional<NodeRecord> n = node("node_key = ?", selector);
          if (n.isEmpty()) {
            n = uniqueByName(selector);
          }
          if (n.isEmpty()) {
            try {
              long ip = Integer.toUnsignedLong(IpPool.parseIpv4(selector));
              n = node("tunnel_ip = ?", ip);
            } catch (IllegalArgumentException notAnIp) {
              // fall through: nothing matched
            }
          }
          if (n.isEmpty()) {
            return Optional.empty();
          }
          long v = bumpVersion();
          update("DELETE FROM nodes WHERE node_key = ?", n.get().nodeKey());
          update(
              "INSERT OR REPLACE INTO removals (node_key, version) VALUES (?, ?)",
              n.get().nodeKey(),
              v);
          return n;
        });
  }

  private Optional<NodeRecord> uniqueByName(String name) throws SQLException {
    List<NodeRecord> named = nodes("name = ?", name);
    if (named.size() > 1) {
      throw new GretunException(
          "ambiguous", "several nodes are named '" + name + "': remove by node key or tunnel IP");
    }
    return named.stream().findFirst();
  }

  @Override
  public synchronized IssuedJoinKey createJoinKey(
      boolean reusable, Instant expiresAt, Instant now) {
    return tx(
        true,
        () -> {
          String id = JoinKeys.newId(random);
          String secret = JoinKeys.newSecret(id, random);
          update(
              "INSERT INTO join_keys (id, hash, reusable, created_at, expires_at, uses)"
                  + " VALUES (?, ?, ?, ?, ?, 0)",
              id,
              JoinKeys.hash(secret),
              reusable ? 1 : 0,
              now.toEpochMilli(),
              expiresAt == null ? null : expiresAt.toEpochMilli());
          JoinKeyRecord rec = new JoinKeyRecord(id, reusable, now, expiresAt, null, 0, null);
          return new IssuedJoinKey(rec, secret);
        });
  }

  @Override
  public synchronized List<JoinKeyRecord> joinKeys() {
    return tx(
        false,
        () -> {
          List<JoinKeyRecord> out = new ArrayList<>();
          try (var st = conn.createStatement();
              ResultSet rs =
                  st.executeQuery(
                      "SELECT " + KEY_COLUMNS + " FROM join_keys ORDER BY created_at, id")) {
            while (rs.next()) {
              out.add(joinKey(rs, 1));
            }
          }
          return out;
        });
  }

  @Override
  public synchronized boolean revokeJoinKey(String id, Instant now) {
    return tx(
        true,
        () ->
            update(
                    "UPDATE join_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                    now.toEpochMilli(),
                    id)
                > 0);
  }

  @Override
  public synchronized void close() {
    try {
      conn.close();
    } catch (SQLException e) {
      throw new GretunException("store", "closing store: " + e.getMessage(), e);
    }
  }

  // --- helpers ---------------------------------------------------------------------------

  private static final String NODE_COLUMNS =
      "node_key, disco_key, name, tunnel_ip, endpoints, created_at, updated_at, version,"
          + " join_key_id";
  private static final String KEY_COLUMNS =
      "id, reusable, created_at, expires_at, revoked_at, uses, last_used_at";

  @FunctionalInterface
  private interface Work<T> {
    T run() throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction (BEGIN IMMEDIATE for writes, so the write lock is taken up
   * front and waits for the busy timeout instead of failing mid-way): commit on success, rollback
   * on any failure.
   */
  private <T> T tx(boolean write, Work<T> work) {
    try {
      exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
      T result = work.run();
      exec("COMMIT");
      return result;
    } catch (SQLException e) {
      rollbackQuietly();
      throw new GretunException("store", "store error: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      rollbackQuietly();
      throw e;
    }
  }

  private void exec(String sql) throws SQLException {
    try (var st = conn.createStatement()) {
      st.execute(sql);
    }
  }

  private void rollbackQuietly() {
    try {
      exec("ROLLBACK");
    } catch (SQLException ignored) {
      // the original failure is what matters
    }
  }

  private long readVersion() throws SQLException {
    try (var st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT version FROM state WHERE id = 1")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private long bumpVersion() throws SQLException {
    update("UPDATE state SET version = version + 1 WHERE id = 1");
    return readVersion();
  }

  private int update(String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(sql)) {
      bind(ps, args);
      return ps.executeUpdate();
    }
  }

  private static void bind(PreparedStatement ps, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      if (args[i] == null) {
        ps.setNull(i + 1, Types.NULL);
      } else {
        ps.setObject(i + 1, args[i]);
      }
    }
  }

  private Optional<NodeRecord> node(String where, Object arg) throws SQLException {
    return nodes(where, arg).stream().findFirst();
  }

  private List<NodeRecord> nodes(String where, Object... args) throws SQLException {
    List<NodeRecord> out = new ArrayList<>();
    try (PreparedStatement ps =
        conn.prepareStatement("SELECT " + NODE_COLUMNS + " FROM nodes WHERE " + where)) {
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new NodeRecord(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getLong(4),
                  endpoints(rs.getString(5)),
                  Instant.ofEpochMilli(rs.getLong(6)),
                  Instant.ofEpochMilli(rs.getLong(7)),
                  rs.getLong(8),
                  rs.getString(9)));
        }
      }
    }
    return out;
  }

  private static JoinKeyRecord joinKey(ResultSet rs, int i) throws SQLException {
    return new JoinKeyRecord(
        rs.getString(i),
        rs.getInt(i + 1) != 0,
        Instant.ofEpochMilli(rs.getLong(i + 2)),
        instantOrNull(rs, i + 3),
        instantOrNull(rs, i + 4),
        rs.getInt(i + 5),
        instantOrNull(rs, i + 6));
  }

  private static Instant instantOrNull(ResultSet rs, int i) throws SQLException {
    long v = rs.getLong(i);
    return rs.wasNull() ? null : Instant.ofEpochMilli(v);
  }

  private static List<Endpoint> endpoints(String json) {
    try {
      return JSON.readValue(json, ENDPOINTS);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("corrupt endpoints column: " + json, e);
    }
  }

  private static String json(List<Endpoint> endpoints) {
    try {
      return JSON.writeValueAsString(endpoints);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }
}
