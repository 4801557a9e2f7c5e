package dev.gretun.coord.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.coord.CoordWire.Endpoint;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * SQL on the {@code nodes} table and its {@code removals} log (which node keys were removed at
 * which version, for peer deltas). Endpoints are stored as a JSON array.
 */
final class NodeTable {
  private static final ObjectMapper JSON = CoordWire.mapper();
  private static final TypeReference<List<Endpoint>> ENDPOINTS = new TypeReference<>() {};
  private static final String COLUMNS =
      "node_key, disco_key, name, tunnel_ip, endpoints, created_at, updated_at, version,"
          + " join_key_id, nat";

  private final SqlDb db;

  NodeTable(SqlDb db) {
    this.db = db;
  }

  Optional<NodeRecord> byNodeKey(String nodeKey) throws SQLException {
    return first("node_key = ?", nodeKey);
  }

  Optional<NodeRecord> byDiscoKey(String discoKey) throws SQLException {
    return first("disco_key = ?", discoKey);
  }

  Optional<NodeRecord> byTunnelIp(long ip) throws SQLException {
    return first("tunnel_ip = ?", ip);
  }

  List<NodeRecord> named(String name) throws SQLException {
    return where("name = ?", name);
  }

  List<NodeRecord> all() throws SQLException {
    return where("1 = 1 ORDER BY tunnel_ip");
  }

  List<NodeRecord> changedSince(long version) throws SQLException {
    return where("version > ? ORDER BY version", version);
  }

  List<StoreChanges.Removal> removedSince(long version) throws SQLException {
    return db.query(
        "SELECT node_key, version FROM removals WHERE version > ? ORDER BY version",
        rs -> new StoreChanges.Removal(rs.getString(1), rs.getLong(2)),
        version);
  }

  /** Lowest free address of {@code pool}: either the first one, or one just above a used one. */
  OptionalLong lowestFreeIp(IpPool pool) throws SQLException {
    long first = pool.firstUsable();
    String sql =
        "SELECT cand.c FROM (SELECT CAST(? AS BIGINT) AS c UNION ALL SELECT tunnel_ip + 1"
            + " FROM nodes WHERE tunnel_ip >= ? AND tunnel_ip < ?) AS cand"
            + " WHERE NOT EXISTS (SELECT 1 FROM nodes WHERE tunnel_ip = cand.c)"
            + " ORDER BY cand.c LIMIT 1";
    List<Long> free = db.query(sql, rs -> rs.getLong(1), first, first, pool.lastUsable());
    return free.isEmpty() ? OptionalLong.empty() : OptionalLong.of(free.get(0));
  }

  /** Inserts a new node with no endpoints and forgets an earlier removal of its key. */
  void insert(Registration r, long tunnelIp, String joinKeyId, long version) throws SQLException {
    db.update(
        "INSERT INTO nodes (node_key, disco_key, name, tunnel_ip, endpoints, created_at,"
            + " updated_at, version, join_key_id, signed_at)"
            + " VALUES (?, ?, ?, ?, '[]', ?, ?, ?, ?, ?)",
        r.nodeKey(),
        r.discoKey(),
        r.name(),
        tunnelIp,
        r.now().toEpochMilli(),
        r.now().toEpochMilli(),
        version,
        joinKeyId,
        r.signedAt());
    db.update("DELETE FROM removals WHERE node_key = ?", r.nodeKey());
  }

  /** A known node re-registered with another disco key or name. */
  void updateIdentity(Registration r, long version) throws SQLException {
    db.update(
        "UPDATE nodes SET disco_key = ?, name = ?, updated_at = ?, version = ?"
            + " WHERE node_key = ?",
        r.discoKey(),
        r.name(),
        r.now().toEpochMilli(),
        version,
        r.nodeKey());
  }

  /** Raises the node's replay floor to {@code signedAt} (never lowers it). */
  void raiseSignedAt(String nodeKey, long signedAt) throws SQLException {
    db.update(
        "UPDATE nodes SET signed_at = ? WHERE node_key = ? AND signed_at < ?",
        signedAt,
        nodeKey,
        signedAt);
  }

  /** Node key -> replay floor of every node. */
  Map<String, Long> signedAt() throws SQLException {
    Map<String, Long> out = new HashMap<>();
    db.query(
        "SELECT node_key, signed_at FROM nodes", rs -> out.put(rs.getString(1), rs.getLong(2)));
    return out;
  }

  void updateEndpoints(
      String nodeKey, List<Endpoint> endpoints, String nat, Instant now, long version)
      throws SQLException {
    db.update(
        "UPDATE nodes SET endpoints = ?, nat = ?, updated_at = ?, version = ? WHERE node_key = ?",
        json(endpoints),
        nat,
        now.toEpochMilli(),
        version,
        nodeKey);
  }

  /** Deletes the node and records its removal at {@code version}. */
  void delete(String nodeKey, long version) throws SQLException {
    db.update("DELETE FROM nodes WHERE node_key = ?", nodeKey);
    db.update(
        "INSERT INTO removals (node_key, version) VALUES (?, ?)"
            + " ON CONFLICT (node_key) DO UPDATE SET version = excluded.version",
        nodeKey,
        version);
  }

  private Optional<NodeRecord> first(String where, Object arg) throws SQLException {
    return where(where, arg).stream().findFirst();
  }

  private List<NodeRecord> where(String where, Object... args) throws SQLException {
    return db.query("SELECT " + COLUMNS + " FROM nodes WHERE " + where, NodeTable::node, args);
  }

  private static NodeRecord node(ResultSet rs) throws SQLException {
    return new NodeRecord(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getLong(4),
        endpoints(rs.getString(5)),
        Instant.ofEpochMilli(rs.getLong(6)),
        Instant.ofEpochMilli(rs.getLong(7)),
        rs.getLong(8),
        rs.getString(9),
        rs.getString(10));
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
}
