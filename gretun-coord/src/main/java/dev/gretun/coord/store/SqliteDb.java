package dev.gretun.coord.store;

import dev.gretun.core.GretunException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * One SQLite connection: explicit transactions and parameterized statements. Not thread-safe; the
 * store serializes callers.
 */
final class SqliteDb {
  private final Connection conn;

  SqliteDb(Connection conn) {
    this.conn = conn;
  }

  /** Work inside one transaction. */
  @FunctionalInterface
  interface Work<T> {
    T run() throws SQLException;
  }

  /** Maps the current row of a result set. */
  @FunctionalInterface
  interface Row<T> {
    T map(ResultSet rs) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction (BEGIN IMMEDIATE for writes, so the write lock is taken up
   * front and waits for the busy timeout instead of failing mid-way): commit on success, rollback
   * on any failure.
   */
  <T> T tx(boolean write, Work<T> work) {
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

  /** Runs an INSERT/UPDATE/DELETE; returns the number of rows it changed. */
  int update(String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(sql)) {
      bind(ps, args);
      return ps.executeUpdate();
    }
  }

  /** Runs a SELECT and maps every row. */
  <T> List<T> query(String sql, Row<T> row, Object... args) throws SQLException {
    List<T> out = new ArrayList<>();
    try (PreparedStatement ps = conn.prepareStatement(sql)) {
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(row.map(rs));
        }
      }
    }
    return out;
  }

  /** Runs a SELECT that must return a row and maps the first one. */
  <T> T single(String sql, Row<T> row, Object... args) throws SQLException {
    List<T> rows = query(sql, row, args);
    if (rows.isEmpty()) {
      throw new SQLException("no row for " + sql);
    }
    return rows.get(0);
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

  void close() {
    try {
      conn.close();
    } catch (SQLException e) {
      throw new GretunException("store", "closing store: " + e.getMessage(), e);
    }
  }
}
