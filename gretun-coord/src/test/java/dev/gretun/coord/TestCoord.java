package dev.gretun.coord;

import dev.gretun.coord.http.CoordServer;
import dev.gretun.coord.store.CoordStore;
import dev.gretun.coord.store.IpPool;
import dev.gretun.coord.store.SqliteCoordStore;
import dev.gretun.coord.stun.StunService;
import dev.gretun.coord.tls.ServerTls;
import dev.gretun.core.coord.CoordClient;
import dev.gretun.core.keys.Ed25519Keys;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** A coordinator on 127.0.0.1 (ephemeral or given port) over a SQLite store in a temp dir. */
final class TestCoord implements AutoCloseable {
  /** Settable clock shared by server and clients. */
  static final class Clock implements InstantSource {
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
    volatile boolean system = true;

    @Override
    public Instant instant() {
      return system ? Instant.now() : now.get();
    }

    void set(Instant t) {
      system = false;
      now.set(t);
    }
  }

  final Path dir;
  final CoordConfig config;
  final Clock clock;
  final CoordServer server;
  final CoordStore store;

  private TestCoord(
      Path dir,
      CoordConfig config,
      Clock clock,
      SqliteCoordStore.Sync sync,
      java.util.function.Supplier<CoordStore> storeOpener) {
    this.dir = dir;
    this.config = config;
    this.clock = clock;
    this.store = storeOpener != null ? storeOpener.get() : SqliteCoordStore.open(dir, sync);
    this.server = CoordServer.start(config, store, StunService.OFF, clock);
  }

  static Builder builder(Path dir) {
    return new Builder(dir);
  }

  static final class Builder {
    final Path dir;
    boolean joinKeys = false;
    Duration longPoll = Duration.ofSeconds(20);
    int port = 0;
    String pool = "100.64.0.0/24";
    CoordConfig.Limits limits = CoordConfig.Limits.defaults();
    Clock clock = new Clock();
    InetSocketAddress stunListen = null;
    String adminToken = null;
    InetSocketAddress metricsListen = null;
    dev.gretun.coord.datarelay.RelaySettings relay = null;
    SqliteCoordStore.Sync sync = SqliteCoordStore.Sync.FULL;
    java.util.function.Supplier<CoordStore> storeOpener;

    Builder(Path dir) {
      this.dir = dir;
    }

    Builder joinKeys(boolean v) {
      joinKeys = v;
      return this;
    }

    Builder longPoll(Duration d) {
      longPoll = d;
      return this;
    }

    Builder port(int p) {
      port = p;
      return this;
    }

    Builder pool(String p) {
      pool = p;
      return this;
    }

    Builder limits(CoordConfig.Limits l) {
      limits = l;
      return this;
    }

    Builder clock(Clock c) {
      clock = c;
      return this;
    }

    Builder stun(InetSocketAddress s) {
      stunListen = s;
      return this;
    }

    /** Another store than SQLite in the directory (e.g. PostgreSQL). */
    Builder store(java.util.function.Supplier<CoordStore> opener) {
      storeOpener = opener;
      return this;
    }

    Builder sync(SqliteCoordStore.Sync s) {
      sync = s;
      return this;
    }

    Builder metricsListen(InetSocketAddress a) {
      metricsListen = a;
      return this;
    }

    Builder relay(dev.gretun.coord.datarelay.RelaySettings r) {
      relay = r;
      return this;
    }

    Builder adminToken(String t) {
      adminToken = t;
      return this;
    }

    TestCoord start() {
      CoordConfig c =
          new CoordConfig(
              new InetSocketAddress("127.0.0.1", port),
              IpPool.parse(pool),
              dir,
              joinKeys,
              longPoll,
              stunListen == null ? List.of() : List.of(stunListen),
              List.of(),
              adminToken,
              limits,
              metricsListen,
              ServerTls.plainHttp(),
              relay);
      return new TestCoord(dir, c, clock, sync, storeOpener);
    }
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.address().getPort());
  }

  int port() {
    return server.address().getPort();
  }

  /** A client for a fresh node key and disco key. */
  CoordClient client(String name, String joinKey) {
    return client(name, joinKey, Ed25519Keys.generate(), randomKey());
  }

  CoordClient client(String name, String joinKey, KeyPair nodeKey, byte[] disco) {
    return new CoordClient(CoordClient.Config.of(uri(), nodeKey, disco, name, joinKey, clock));
  }

  static byte[] randomKey() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return b;
  }

  String newJoinKey(boolean reusable) {
    return store.createJoinKey(reusable, null, Instant.now()).secret();
  }

  @Override
  public void close() {
    server.close();
  }
}
