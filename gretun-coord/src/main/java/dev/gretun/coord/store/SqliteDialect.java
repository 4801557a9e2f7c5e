package dev.gretun.coord.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * One SQLite connection, used by one thread at a time ({@link SqlCoordStore} serializes callers).
 * Autocommit stays on and transactions are explicit BEGIN/COMMIT, so no lock is held between calls
 * and the admin CLI can write while the server runs; writes start IMMEDIATE, taking the file's
 * write lock up front (waiting up to the busy timeout) instead of failing mid-way.
 */
final class SqliteDialect implements SqlDialect {
  private final Connection conn;

  SqliteDialect(Connection conn) {
    this.conn = conn;
  }

  @Override
  public String name() {
    return "sqlite";
  }

  @Override
  public Connection borrow() {
    return conn;
  }

  @Override
  public void giveBack(Connection c) {
    // the one connection stays open
  }

  @Override
  public void begin(Connection c, boolean write) throws SQLException {
    exec(c, write ? "BEGIN IMMEDIATE" : "BEGIN");
  }

  @Override
  public void commit(Connection c) throws SQLException {
    exec(c, "COMMIT");
  }

  @Override
  public void rollbackQuietly(Connection c) {
    try {
      exec(c, "ROLLBACK");
    } catch (SQLException ignored) {
      // the original failure is what matters
    }
  }

  private static void exec(Connection c, String sql) throws SQLException {
    try (var st = c.createStatement()) {
      st.execute(sql);
    }
  }

  @Override
  public boolean shared() {
    return false;
  }

  @Override
  public List<List<String>> migrations() {
    return Migrations.SQLITE;
  }

  @Override
  public void announce(SqlDb db, long version) {
    // other processes poll the version (SQLite has no notifications)
  }

  @Override
  public void close() {
    try {
      conn.close();
    } catch (SQLException e) {
      throw new dev.gretun.core.GretunException("store", "closing store: " + e.getMessage(), e);
    }
  }
}
