package dev.gretun.coord.store;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * PostgreSQL through a HikariCP pool. Write transactions take a transaction-scoped advisory lock,
 * the store-wide write lock shared by every replica (it works before any table exists, so it also
 * serializes the schema migration of replicas starting together); in READ COMMITTED every statement
 * after it sees all earlier commits. Read transactions run REPEATABLE READ, so the version and the
 * rows read with it are one snapshot. A version change is announced with NOTIFY, delivered to the
 * listeners of every replica at commit.
 */
final class PostgresDialect implements SqlDialect {
  /** The change channel of {@link PostgresChangeFeed}. */
  static final String CHANNEL = "gretun_coord";

  /** Advisory lock key of the store's write lock ("gret"). */
  private static final long WRITE_LOCK = 0x67726574L;

  private final HikariDataSource pool;

  PostgresDialect(HikariDataSource pool) {
    this.pool = pool;
  }

  @Override
  public String name() {
    return "postgres";
  }

  @Override
  public Connection borrow() throws SQLException {
    return pool.getConnection();
  }

  @Override
  public void giveBack(Connection conn) {
    try {
      conn.close();
    } catch (SQLException ignored) {
      // the pool discards a broken connection itself
    }
  }

  @Override
  public void begin(Connection conn, boolean write) throws SQLException {
    try (var st = conn.createStatement()) {
      if (write) {
        st.execute("SELECT pg_advisory_xact_lock(" + WRITE_LOCK + ")");
      } else {
        st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      }
    }
  }

  @Override
  public void commit(Connection conn) throws SQLException {
    conn.commit();
  }

  @Override
  public void rollbackQuietly(Connection conn) {
    try {
      conn.rollback();
    } catch (SQLException ignored) {
      // the original failure is what matters
    }
  }

  @Override
  public boolean shared() {
    return true;
  }

  @Override
  public List<List<String>> migrations() {
    return Migrations.POSTGRES;
  }

  @Override
  public void announce(SqlDb db, long version) throws SQLException {
    db.query("SELECT pg_notify(?, ?)", rs -> null, CHANNEL, Long.toString(version));
  }

  @Override
  public void close() {
    pool.close();
  }
}
