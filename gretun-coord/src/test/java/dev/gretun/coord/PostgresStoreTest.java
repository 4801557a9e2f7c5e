package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.coord.pg.TestDatabases;
import dev.gretun.coord.store.CoordStore;
import dev.gretun.coord.store.PostgresCoordStore;
import dev.gretun.coord.store.StoreLocation;
import dev.gretun.core.GretunException;
import dev.gretun.core.testing.TestPostgres;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store contract on PostgreSQL (a test server from Debian's package), plus what only it has.
 */
class PostgresStoreTest extends StoreContract {
  private StoreLocation.Postgres db;

  @BeforeEach
  void freshDatabase() {
    db = TestDatabases.newDatabase();
  }

  @Override
  protected CoordStore open() {
    return PostgresCoordStore.open(db, TestPostgres.PASSWORD);
  }

  @Test
  void schemaIsVersioned() throws Exception {
    try (CoordStore s = open()) {
      s.version();
    }
    try (var c = TestPostgres.shared().connect(db.database());
        var rs = c.createStatement().executeQuery("SELECT MAX(version) FROM schema_migrations")) {
      rs.next();
      assertEquals(4, rs.getInt(1)); // 3: the signals table, 4: nodes.nat
    }
  }

  @Test
  void aChangeThroughOneStoreWakesTheOtherWithin100Ms() throws Exception {
    try (CoordStore a = open();
        CoordStore b = open()) {
      LinkedBlockingQueue<Long> heard = new LinkedBlockingQueue<>();
      b.onChange(() -> heard.add(System.nanoTime()));
      Thread.sleep(300); // the listener connection is up
      for (int i = 1; i <= 5; i++) {
        heard.clear();
        a.register(reg(k(i), d(i), "n" + i));
        long committed = System.nanoTime(); // register returns after the commit
        Long at = heard.poll(2, TimeUnit.SECONDS);
        assertTrue(at != null, "no notification for registration " + i);
        long ms = TimeUnit.NANOSECONDS.toMillis(Math.max(0, at - committed));
        assertTrue(ms < 100, "notification took " + ms + " ms");
      }
      assertEquals(a.version(), b.version());
    }
  }

  @Test
  void wrongPasswordIsAClearError() {
    GretunException e =
        assertThrows(GretunException.class, () -> PostgresCoordStore.open(db, "wrong"));
    assertEquals("store", e.code());
    assertTrue(e.getMessage().contains("password authentication failed"), e.getMessage());
  }

  @Test
  void storeUrlParsing() {
    var loc =
        (StoreLocation.Postgres)
            StoreLocation.parse("postgres://coord@db.example:6543/gretun?sslmode=verify-full");
    assertEquals("jdbc:postgresql://db.example:6543/gretun?sslmode=verify-full", loc.jdbcUrl());
    assertEquals("coord", loc.user());
    assertEquals(5432, ((StoreLocation.Postgres) StoreLocation.parse("postgresql://u@h/d")).port());
    assertThrows(
        IllegalArgumentException.class, () -> StoreLocation.parse("postgres://u:secret@h/d"));
    assertThrows(IllegalArgumentException.class, () -> StoreLocation.parse("postgres://h/d"));
    assertThrows(IllegalArgumentException.class, () -> StoreLocation.parse("mysql://u@h/d"));
    assertEquals(
        java.nio.file.Path.of("/var/x"),
        ((StoreLocation.Sqlite) StoreLocation.parse("sqlite:/var/x")).stateDir());
  }
}
