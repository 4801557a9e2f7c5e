package dev.gretun.coord.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Schema versions of the SQLite store. Each entry runs once, in order, inside the caller's
 * transaction with its row in {@code schema_migrations}; never edit an applied entry, append a new
 * one.
 */
final class Migrations {
  private static final List<List<String>> STEPS =
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

  private Migrations() {}

  /** Number of schema versions this build knows. */
  static int latest() {
    return STEPS.size();
  }

  static void apply(Connection conn, String newStoreId) throws SQLException {
    try (Statement st = conn.createStatement()) {
      st.executeUpdate(
          "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
              + " applied_at INTEGER NOT NULL)");
      int current;
      try (ResultSet rs =
          st.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) {
        rs.next();
        current = rs.getInt(1);
      }
      if (current > STEPS.size()) {
        throw new SQLException(
            "store schema version "
                + current
                + " is newer than this gretun-coord ("
                + STEPS.size()
                + "); upgrade gretun-coord");
      }
      for (int v = current + 1; v <= STEPS.size(); v++) {
        for (String sql : STEPS.get(v - 1)) {
          st.executeUpdate(sql);
        }
        if (v == 1) {
          try (PreparedStatement ps =
              conn.prepareStatement("INSERT INTO state (id, store_id, version) VALUES (1, ?, 0)")) {
            ps.setString(1, newStoreId);
            ps.executeUpdate();
          }
        }
        try (PreparedStatement ps =
            conn.prepareStatement(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")) {
          ps.setInt(1, v);
          ps.setLong(2, System.currentTimeMillis());
          ps.executeUpdate();
        }
      }
    }
  }
}
