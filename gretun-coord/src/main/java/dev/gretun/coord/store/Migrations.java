package dev.gretun.coord.store;

import java.sql.SQLException;
import java.util.List;

/**
 * Schema versions of the store, one list per database. Each entry runs once, in order, inside the
 * caller's write transaction with its row in {@code schema_migrations}; never edit an applied
 * entry, append a new one.
 */
final class Migrations {
  static final List<List<String>> SQLITE =
      List.of(
          List.of(
              "CREATE TABLE state (id INTEGER PRIMARY KEY CHECK (id = 1),"
                  + " store_id TEXT NOT NULL, version INTEGER NOT NULL)",
              "CREATE TABLE nodes (node_key TEXT PRIMARY KEY, disco_key TEXT NOT NULL UNIQUE,"
                  + " name TEXT NOT NULL, tunnel_ip INTEGER NOT NULL UNIQUE,"
                  + " endpoints TEXT NOT NULL, created_at INTEGER NOT NULL,"
                  + " updated_at INTEGER NOT NULL, version INTEGER NOT NULL, join_key_id TEXT)",
              "CREATE INDEX nodes_version ON nodes (version)",
              "CREATE TABLE removals (node_key TEXT PRIMARY KEY, version INTEGER NOT NULL)",
              "CREATE INDEX removals_version ON removals (version)",
              "CREATE TABLE join_keys (id TEXT PRIMARY KEY, hash BLOB NOT NULL,"
                  + " reusable INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER,"
                  + " revoked_at INTEGER, uses INTEGER NOT NULL, last_used_at INTEGER)"),
          // The replay floor: highest signed timestamp of a node's accepted state-changing request.
          List.of("ALTER TABLE nodes ADD COLUMN signed_at INTEGER NOT NULL DEFAULT 0"),
          // The NAT type the node published with its endpoints (netcheck).
          List.of("ALTER TABLE nodes ADD COLUMN nat TEXT NOT NULL DEFAULT 'unknown'"));

  /** The same schema in PostgreSQL types (times are Unix milliseconds, as in SQLite). */
  static final List<List<String>> POSTGRES =
      List.of(
          List.of(
              "CREATE TABLE state (id INTEGER PRIMARY KEY CHECK (id = 1),"
                  + " store_id TEXT NOT NULL, version BIGINT NOT NULL)",
              "CREATE TABLE nodes (node_key TEXT PRIMARY KEY, disco_key TEXT NOT NULL UNIQUE,"
                  + " name TEXT NOT NULL, tunnel_ip BIGINT NOT NULL UNIQUE,"
                  + " endpoints TEXT NOT NULL, created_at BIGINT NOT NULL,"
                  + " updated_at BIGINT NOT NULL, version BIGINT NOT NULL, join_key_id TEXT)",
              "CREATE INDEX nodes_version ON nodes (version)",
              "CREATE TABLE removals (node_key TEXT PRIMARY KEY, version BIGINT NOT NULL)",
              "CREATE INDEX removals_version ON removals (version)",
              "CREATE TABLE join_keys (id TEXT PRIMARY KEY, hash BYTEA NOT NULL,"
                  + " reusable INTEGER NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT,"
                  + " revoked_at BIGINT, uses INTEGER NOT NULL, last_used_at BIGINT)"),
          List.of("ALTER TABLE nodes ADD COLUMN signed_at BIGINT NOT NULL DEFAULT 0"),
          // Signal mailboxes shared by the replicas (PostgresMailboxes); SQLite keeps them in
          // memory.
          List.of(
              "CREATE TABLE signals (id BIGSERIAL PRIMARY KEY, recipient TEXT NOT NULL,"
                  + " sender TEXT NOT NULL, sender_disco TEXT NOT NULL, sealed TEXT NOT NULL,"
                  + " sent_at TEXT NOT NULL, queued_at BIGINT NOT NULL, bytes INTEGER NOT NULL)",
              "CREATE INDEX signals_recipient ON signals (recipient, sender, id)",
              "CREATE INDEX signals_queued_at ON signals (queued_at)",
              // Signatures accepted by any replica, until their timestamp leaves the window.
              "CREATE TABLE replay_signatures (signature BYTEA PRIMARY KEY,"
                  + " expires_at BIGINT NOT NULL)",
              "CREATE INDEX replay_signatures_expires_at ON replay_signatures (expires_at)"),
          // The NAT type the node published with its endpoints (netcheck).
          List.of("ALTER TABLE nodes ADD COLUMN nat TEXT NOT NULL DEFAULT 'unknown'"));

  private Migrations() {}

  /** Brings the schema to the newest version of {@code steps}; returns the store id. */
  static String apply(SqlDb db, List<List<String>> steps, String newStoreId) throws SQLException {
    db.update(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
            + " applied_at BIGINT NOT NULL)");
    int current =
        db.single("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", rs -> rs.getInt(1));
    if (current > steps.size()) {
      throw new SQLException(
          "store schema version "
              + current
              + " is newer than this gretun-coord ("
              + steps.size()
              + "); upgrade gretun-coord");
    }
    for (int v = current + 1; v <= steps.size(); v++) {
      for (String sql : steps.get(v - 1)) {
        db.update(sql);
      }
      if (v == 1) {
        db.update("INSERT INTO state (id, store_id, version) VALUES (1, ?, 0)", newStoreId);
      }
      db.update(
          "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
          v,
          System.currentTimeMillis());
    }
    return db.single("SELECT store_id FROM state WHERE id = 1", rs -> rs.getString(1));
  }
}
