package dev.gretun.coord.store;

import dev.gretun.core.GretunException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One SQLite connection: explicit transactions and parameterized statements. Not thread-safe; the
 * store serializes callers.
 */
final class SqliteDb {
  private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> GROUP_OR_OTHERS =
      EnumSet.complementOf(
          EnumSet.of(
              PosixFilePermission.OWNER_READ,
              PosixFilePermission.OWNER_WRITE,
              PosixFilePermission.OWNER_EXECUTE));

  private final Connection conn;

  SqliteDb(Connection conn) {
    this.conn = conn;
  }

  /**
   * Makes {@code stateDir} ready for the SQLite file {@code dbName}, which holds node keys and
   * join-key hashes: creates the directory 0700 and the (empty) database file 0600 when missing,
   * and refuses a directory or database, WAL or shared-memory file that group or others may access
   * (as the node refuses its key file). SQLite creates {@code -wal} and {@code -shm} later with the
   * database file's mode (and fchmods them past the umask), so they are 0600 too.
   */
  static void secureStateDir(Path stateDir, String dbName) {
    try {
      if (!Files.isDirectory(stateDir)) {
        Files.createDirectories(stateDir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        Files.setPosixFilePermissions(stateDir, OWNER_ONLY_DIR); // the umask may have masked bits
      }
      refuseShared(stateDir, "state dir", "chmod 700 ");
      Path db = stateDir.resolve(dbName);
      if (!Files.exists(db)) {
        Files.createFile(db, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        Files.setPosixFilePermissions(db, OWNER_ONLY_FILE);
      }
      for (String suffix : new String[] {"", "-wal", "-shm"}) {
        Path f = stateDir.resolve(dbName + suffix);
        if (Files.exists(f)) {
          refuseShared(f, "store file", "chmod 600 ");
        }
      }
    } catch (IOException e) {
      throw new GretunException(
          "state_dir", "cannot prepare state dir " + stateDir + ": " + e.getMessage(), e);
    }
  }

  private static void refuseShared(Path p, String what, String fix) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
    Set<PosixFilePermission> shared = EnumSet.noneOf(PosixFilePermission.class);
    shared.addAll(perms);
    shared.retainAll(GROUP_OR_OTHERS);
    if (!shared.isEmpty()) {
      throw new GretunException(
          "state_dir_permissions",
          what
              + " "
              + p
              + " is accessible to group or others (mode "
              + PosixFilePermissions.toString(perms)
              + ") and holds node keys and join-key hashes; fix it with: "
              + fix
              + p);
    }
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
