package dev.gretun.coord.pg;

import dev.gretun.coord.store.StoreLocation;
import dev.gretun.core.testing.TestPostgres;

/**
 * Databases of the shared test server ({@link TestPostgres}) as the coordinator's store names them.
 */
public final class TestDatabases {
  private TestDatabases() {}

  /** A new, empty database on {@link TestPostgres#shared()}. */
  public static StoreLocation.Postgres newDatabase() {
    TestPostgres.Database d = TestPostgres.shared().newDatabase();
    return new StoreLocation.Postgres(d.user(), d.host(), d.port(), d.name(), null);
  }
}
