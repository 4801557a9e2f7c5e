package dev.gretun.coord.store;

import java.sql.SQLException;

/** The single row of the {@code state} table: the store id and the change version. */
final class StateRow {
  private final SqlDb db;

  StateRow(SqlDb db) {
    this.db = db;
  }

  String storeId() throws SQLException {
    return db.single("SELECT store_id FROM state WHERE id = 1", rs -> rs.getString(1));
  }

  long version() throws SQLException {
    return db.single("SELECT version FROM state WHERE id = 1", rs -> rs.getLong(1));
  }

  /** Increments the version and announces it to other processes; returns the new one. */
  long bump() throws SQLException {
    db.update("UPDATE state SET version = version + 1 WHERE id = 1");
    long v = version();
    db.dialect().announce(db, v);
    return v;
  }
}
