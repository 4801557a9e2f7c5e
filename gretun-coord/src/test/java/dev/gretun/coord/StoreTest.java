package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.coord.store.CoordStore;
import dev.gretun.coord.store.IpPool;
import dev.gretun.coord.store.Registration;
import dev.gretun.coord.store.SqliteCoordStore;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.coord.CoordWire.Endpoint;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {
  @TempDir Path dir;
  final IpPool pool = IpPool.parse("100.64.0.0/24");
  final Instant now = Instant.parse("2030-01-01T00:00:00Z");

  private Registration reg(String key, String disco, String name) {
    return new Registration(key, disco, name, null, false, pool, now, 0);
  }

  private static String k(int i) {
    byte[] b = new byte[32];
    b[0] = (byte) i;
    b[1] = 7;
    return CoordWire.b64(b);
  }

  private static String d(int i) {
    byte[] b = new byte[32];
    b[0] = (byte) i;
    b[1] = 9;
    return CoordWire.b64(b);
  }

  @Test
  void poolBoundsAndValidation() {
    assertEquals(Integer.toUnsignedLong(IpPool.parseIpv4("100.64.0.2")), pool.firstUsable());
    assertEquals(Integer.toUnsignedLong(IpPool.parseIpv4("100.64.0.254")), pool.lastUsable());
    assertEquals("100.64.0.1", pool.coordinatorAddress());
    assertThrows(IllegalArgumentException.class, () -> IpPool.parse("100.64.0.5/24"));
    assertThrows(IllegalArgumentException.class, () -> IpPool.parse("100.64.0.0/31"));
    assertThrows(IllegalArgumentException.class, () -> IpPool.parse("fd00::/64"));
    assertThrows(IllegalArgumentException.class, () -> IpPool.parse("100.64.0.0"));
    IpPool big = IpPool.parse("10.0.0.0/8");
    assertEquals(Integer.toUnsignedLong(IpPool.parseIpv4("10.255.255.254")), big.lastUsable());
  }

  @Test
  void addressesAreStableAcrossReopenAndReusedAfterRemoval() {
    try (CoordStore s = SqliteCoordStore.open(dir)) {
      for (int i = 1; i <= 3; i++) {
        assertEquals(
            "100.64.0." + (i + 1), s.register(reg(k(i), d(i), "n" + i)).node().tunnelIpText());
      }
      s.updateEndpoints(k(2), List.of(new Endpoint("192.0.2.1:7777", "stun")), "easy", now, 0);
    }
    try (CoordStore s = SqliteCoordStore.open(dir)) {
      var again = s.register(reg(k(2), d(2), "n2"));
      assertFalse(again.created());
      assertEquals("100.64.0.3", again.node().tunnelIpText());
      assertEquals(List.of(new Endpoint("192.0.2.1:7777", "stun")), again.node().endpoints());
      long before = s.version();
      assertEquals("n2", s.removeNode("100.64.0.3").orElseThrow().name());
      var ch = s.changesSince(before);
      assertEquals(List.of(k(2)), ch.removed().stream().map(r -> r.nodeKey()).toList());
      // The freed address is the lowest free one and goes to the next new node.
      assertEquals("100.64.0.3", s.register(reg(k(4), d(4), "n4")).node().tunnelIpText());
      assertEquals("100.64.0.5", s.register(reg(k(5), d(5), "n5")).node().tunnelIpText());
      assertTrue(s.removeNode("nobody").isEmpty());
    }
  }

  @Test
  void changesSinceListsOnlyNewerVersions() {
    try (CoordStore s = SqliteCoordStore.open(dir)) {
      s.register(reg(k(1), d(1), "a"));
      long v = s.version();
      s.register(reg(k(2), d(2), "b"));
      var ch = s.changesSince(v);
      assertEquals(List.of("b"), ch.changed().stream().map(n -> n.name()).toList());
      assertEquals(s.version(), ch.version());
      assertEquals(2, s.changesSince(0).changed().size());
      // An unchanged re-register is not a change.
      long v2 = s.version();
      s.register(reg(k(2), d(2), "b"));
      assertEquals(v2, s.version());
    }
  }

  @Test
  void twoProcessesCanWriteTheSameStore() {
    try (CoordStore server = SqliteCoordStore.open(dir);
        CoordStore cli = SqliteCoordStore.open(dir)) {
      assertEquals(server.storeId(), cli.storeId());
      server.register(reg(k(1), d(1), "a"));
      var key = cli.createJoinKey(false, null, now);
      assertEquals(1, server.joinKeys().size());
      assertEquals(key.key().id(), server.joinKeys().get(0).id());
      cli.removeNode("a");
      assertTrue(server.nodes().isEmpty());
    }
  }

  @Test
  void schemaIsVersioned() throws Exception {
    try (CoordStore s = SqliteCoordStore.open(dir)) {
      s.version();
    }
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("coord.db"));
        var rs = c.createStatement().executeQuery("SELECT MAX(version) FROM schema_migrations")) {
      rs.next();
      assertEquals(3, rs.getInt(1)); // 2: nodes.signed_at (the replay floor), 3: nodes.nat
    }
  }
}
