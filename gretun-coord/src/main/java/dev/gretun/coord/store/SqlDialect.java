package dev.gretun.coord.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * What differs between the databases behind {@link SqlCoordStore}: where connections come from, how
 * a write transaction excludes other writers (in this and other processes), the schema steps, and
 * how other processes hear about a change.
 */
interface SqlDialect {
  /** "sqlite" or "postgres", for logs and errors. */
  String name();

  Connection borrow() throws SQLException;

  void giveBack(Connection conn);

  /**
   * Starts a transaction on {@code conn}. A write transaction holds the store's write lock until it
   * ends, so read-modify-write sequences (the lowest free tunnel address, the version counter) are
   * serialized across every process writing the same store.
   */
  void begin(Connection conn, boolean write) throws SQLException;

  void commit(Connection conn) throws SQLException;

  void rollbackQuietly(Connection conn);

  /** True when several coordinator replicas may serve from this store at once. */
  boolean shared();

  /** Schema steps, see {@link Migrations}. */
  List<List<String>> migrations();

  /** Inside a write transaction that moved the version: tell other processes at commit. */
  void announce(SqlDb db, long version) throws SQLException;

  void close();
}
