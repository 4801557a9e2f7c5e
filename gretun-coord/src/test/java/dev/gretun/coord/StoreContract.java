package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.coord.store.CoordStore;
import dev.gretun.coord.store.IpPool;
import dev.gretun.coord.store.Registration;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.coord.CoordWire.Endpoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link CoordStore} must have, run against each implementation by a subclass
 * ({@link SqliteStoreTest}, {@link PostgresStoreTest}).
 */
public abstract class StoreContract {
  protected final IpPool pool = IpPool.parse("100.64.0.0/24");
  protected final Instant now = Instant.parse("2030-01-01T00:00:00Z");

  /**
   * Opens the store under test; every call in one test opens the same store (as a restarted server,
   * a second replica or the admin CLI would).
   */
  protected abstract CoordStore open();

  protected Registration reg(String key, String disco, String name) {
    return new Registration(key, disco, name, null, false, pool, now, 0);
  }

  protected static String k(int i) {
    byte[] b = new byte[32];
    b[0] = (byte) i;
    b[1] = 7;
    return CoordWire.b64(b);
  }

  protected static String d(int i) {
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
    try (CoordStore s = open()) {
      for (int i = 1; i <= 3; i++) {
        assertEquals(
            "100.64.0." + (i + 1), s.register(reg(k(i), d(i), "n" + i)).node().tunnelIpText());
      }
      s.updateEndpoints(k(2), List.of(new Endpoint("192.0.2.1:7777", "stun")), "easy", now, 0);
    }
    try (CoordStore s = open()) {
      var again = s.register(reg(k(2), d(2), "n2"));
      assertFalse(again.created());
      assertEquals("100.64.0.3", again.node().tunnelIpText());
      assertEquals(List.of(new Endpoint("192.0.2.1:7777", "stun")), again.node().endpoints());
      assertEquals("easy", again.node().nat());
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
    try (CoordStore s = open()) {
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
    try (CoordStore server = open();
        CoordStore cli = open()) {
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
  void concurrentRegistrationsThroughTwoStoresNeverShareATunnelAddress() throws Exception {
    IpPool small =
        IpPool.parse("100.64.0.0/26"); // 61 usable addresses (.2 to .62) for 2 x 40 nodes
    try (CoordStore a = open();
        CoordStore b = open()) {
      ExecutorService ex = Executors.newFixedThreadPool(4);
      try {
        List<Callable<String>> jobs = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
          CoordStore s = i % 2 == 0 ? a : b;
          int n = i;
          jobs.add(
              () -> {
                try {
                  return s.register(
                          new Registration(k(n + 1), d(n + 1), "n" + n, null, false, small, now, 0))
                      .node()
                      .tunnelIpText();
                } catch (CoordRejection e) {
                  return e.code();
                }
              });
        }
        List<String> got = new ArrayList<>();
        for (Future<String> f : ex.invokeAll(jobs)) {
          got.add(f.get());
        }
        Set<String> ips = new HashSet<>();
        long exhausted = got.stream().filter("pool_exhausted"::equals).count();
        got.stream()
            .filter(g -> !g.equals("pool_exhausted"))
            .forEach(ip -> assertTrue(ips.add(ip), "handed out twice: " + ip));
        assertEquals(61, ips.size());
        assertEquals(19, exhausted);
        assertEquals(61, a.nodes().size());
        assertEquals(b.version(), a.version());
      } finally {
        ex.shutdownNow();
      }
    }
  }

  @Test
  void replayFloorsAndJoinKeysAreShared() {
    try (CoordStore a = open();
        CoordStore b = open()) {
      var key = a.createJoinKey(false, null, now);
      var r = new Registration(k(1), d(1), "a", key.secret(), true, pool, now, 100);
      assertTrue(b.register(r).created());
      CoordRejection used =
          assertThrows(
              CoordRejection.class,
              () ->
                  a.register(new Registration(k(2), d(2), "b", key.secret(), true, pool, now, 5)));
      assertEquals("join_key_used", used.code());
      a.raiseReplayFloor(k(1), 90); // never lowered
      assertEquals(100L, b.replayFloors().get(k(1)));
      b.raiseReplayFloor(k(1), 120);
      assertEquals(120L, a.replayFloors().get(k(1)));
      assertTrue(a.revokeJoinKey(key.key().id(), now));
      assertEquals("revoked", b.joinKeys().get(0).status(now));
    }
  }
}
