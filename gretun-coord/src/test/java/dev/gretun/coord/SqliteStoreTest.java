package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gretun.coord.store.CoordStore;
import dev.gretun.coord.store.SqliteCoordStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest extends StoreContract {
  @TempDir Path dir;

  @Override
  protected CoordStore open() {
    return SqliteCoordStore.open(dir);
  }

  @Test
  void schemaIsVersioned() throws Exception {
    try (CoordStore s = open()) {
      s.version();
    }
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("coord.db"));
        var rs = c.createStatement().executeQuery("SELECT MAX(version) FROM schema_migrations")) {
      rs.next();
      assertEquals(3, rs.getInt(1)); // 2: nodes.signed_at (the replay floor), 3: nodes.nat
    }
  }
}
