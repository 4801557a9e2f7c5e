package dev.gretun.coord.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** SQL on the {@code join_keys} table. Only a hash of each secret is stored. */
final class JoinKeyTable {
  private static final String COLUMNS =
      "id, reusable, created_at, expires_at, revoked_at, uses, last_used_at";

  private final SqlDb db;

  JoinKeyTable(SqlDb db) {
    this.db = db;
  }

  /** A stored key with the hash of its secret. */
  record Stored(byte[] hash, JoinKeyRecord key) {}

  Optional<Stored> byId(String id) throws SQLException {
    return db
        .query(
            "SELECT hash, " + COLUMNS + " FROM join_keys WHERE id = ?",
            rs -> new Stored(rs.getBytes(1), joinKey(rs, 2)),
            id)
        .stream()
        .findFirst();
  }

  List<JoinKeyRecord> all() throws SQLException {
    return db.query(
        "SELECT " + COLUMNS + " FROM join_keys ORDER BY created_at, id", rs -> joinKey(rs, 1));
  }

  void insert(String id, byte[] hash, boolean reusable, Instant now, Instant expiresAt)
      throws SQLException {
    db.update(
        "INSERT INTO join_keys (id, hash, reusable, created_at, expires_at, uses)"
            + " VALUES (?, ?, ?, ?, ?, 0)",
        id,
        hash,
        reusable ? 1 : 0,
        now.toEpochMilli(),
        expiresAt == null ? null : expiresAt.toEpochMilli());
  }

  void recordUse(String id, Instant now) throws SQLException {
    db.update(
        "UPDATE join_keys SET uses = uses + 1, last_used_at = ? WHERE id = ?",
        now.toEpochMilli(),
        id);
  }

  /** Sets revoked_at unless already set; false when no such id. */
  boolean revoke(String id, Instant now) throws SQLException {
    return db.update(
            "UPDATE join_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
            now.toEpochMilli(),
            id)
        > 0;
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
}
