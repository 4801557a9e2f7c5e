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
 * Transactions and parameterized statements on the store's database. Each {@link #tx} takes a
 * connection from the {@link SqlDialect}'s source, runs the work on it (the table classes reach it
 * through {@link #update}/{@link #query} on the same thread) and hands it back.
 */
final class SqlDb {
  private final SqlDialect dialect;
  private final ThreadLocal<Connection> current = new ThreadLocal<>();

  SqlDb(SqlDialect dialect) {
    this.dialect = dialect;
  }

  SqlDialect dialect() {
    return dialect;
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
   * Runs {@code work} in one transaction: commit on success, rollback on any failure. A write
   * transaction takes the store's write lock first (see {@link SqlDialect#begin}), so writers from
   * every process queue up instead of failing mid-way.
   */
  <T> T tx(boolean write, Work<T> work) {
    Connection conn;
    try {
      conn = dialect.borrow();
    } catch (SQLException e) {
      throw new GretunException("store", "store unavailable: " + e.getMessage(), e);
    }
    current.set(conn);
    try {
      dialect.begin(conn, write);
      T result = work.run();
      dialect.commit(conn);
      return result;
    } catch (SQLException e) {
      dialect.rollbackQuietly(conn);
      throw new GretunException("store", "store error: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      dialect.rollbackQuietly(conn);
      throw e;
    } finally {
      current.remove();
      dialect.giveBack(conn);
    }
  }

  private Connection conn() {
    Connection c = current.get();
    if (c == null) {
      throw new IllegalStateException("store statement outside a transaction");
    }
    return c;
  }

  /** Runs an INSERT/UPDATE/DELETE; returns the number of rows it changed. */
  int update(String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = conn().prepareStatement(sql)) {
      bind(ps, args);
      return ps.executeUpdate();
    }
  }

  /** Runs a SELECT and maps every row. */
  <T> List<T> query(String sql, Row<T> row, Object... args) throws SQLException {
    List<T> out = new ArrayList<>();
    try (PreparedStatement ps = conn().prepareStatement(sql)) {
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
        ps.setNull(i + 1, Types.NULL); // type left to the server (pgjdbc: unspecified)
      } else {
        ps.setObject(i + 1, args[i]);
      }
    }
  }

  void close() {
    dialect.close();
  }
}
