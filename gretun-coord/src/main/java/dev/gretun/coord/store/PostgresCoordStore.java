package dev.gretun.coord.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.gretun.core.GretunException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * Opens a store on PostgreSQL, the database several coordinator replicas share: a HikariCP pool for
 * the store's transactions and one more connection that LISTENs for changes made by the other
 * replicas (and the admin CLI). Durability is the server's: with PostgreSQL's default {@code
 * synchronous_commit = on} a commit, and so an acknowledged registration, survives a crash.
 */
public final class PostgresCoordStore {
  /** Environment variable read for the password when no password file is given (as libpq). */
  public static final String PASSWORD_ENV = "PGPASSWORD";

  private static final int POOL_SIZE = 8;

  private PostgresCoordStore() {}

  /** Opens the store, creating or migrating its schema; {@code password} may be null. */
  public static CoordStore open(StoreLocation.Postgres loc, String password) {
    HikariConfig cfg = new HikariConfig();
    cfg.setJdbcUrl(loc.jdbcUrl());
    cfg.setUsername(loc.user());
    if (password != null) {
      cfg.setPassword(password);
    }
    cfg.setAutoCommit(false);
    cfg.setMaximumPoolSize(POOL_SIZE);
    cfg.setMinimumIdle(1);
    cfg.setConnectionTimeout(10_000);
    cfg.setPoolName("gretun-coord-store");
    cfg.addDataSourceProperty("ApplicationName", "gretun-coord");
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(cfg);
    } catch (RuntimeException e) {
      throw new GretunException("store", "cannot connect to " + loc + ": " + rootMessage(e), e);
    }
    Properties props = new Properties();
    props.setProperty("user", loc.user());
    if (password != null) {
      props.setProperty("password", password);
    }
    props.setProperty("ApplicationName", "gretun-coord-listen");
    PostgresChangeFeed feed =
        new PostgresChangeFeed(
            loc.jdbcUrl(), props, List.of(PostgresDialect.CHANNEL, PostgresMailboxes.CHANNEL));
    PostgresDialect dialect = new PostgresDialect(pool);
    SqlCoordStore store =
        new SqlCoordStore(
            dialect,
            feed,
            (perRecipient, ttl) -> {
              PostgresMailboxes boxes =
                  new PostgresMailboxes(new SqlDb(dialect), perRecipient, ttl);
              feed.listen(PostgresMailboxes.CHANNEL, boxes::notified);
              return boxes;
            });
    feed.start();
    return store;
  }

  /**
   * The database password: the first line of {@code passwordFile} when given (it must not be
   * readable by group or others), else {@code $PGPASSWORD}, else null (trust or peer auth).
   */
  public static String password(Path passwordFile) {
    if (passwordFile == null) {
      String env = System.getenv(PASSWORD_ENV);
      return env == null || env.isEmpty() ? null : env;
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(passwordFile);
      if (perms.contains(PosixFilePermission.GROUP_READ)
          || perms.contains(PosixFilePermission.OTHERS_READ)) {
        throw new GretunException(
            "store_password_permissions",
            "password file "
                + passwordFile
                + " is readable by group or others; fix it with: chmod 600 "
                + passwordFile);
      }
      String text = Files.readString(passwordFile, StandardCharsets.UTF_8);
      int nl = text.indexOf('\n');
      return (nl < 0 ? text : text.substring(0, nl)).strip();
    } catch (IOException e) {
      throw new GretunException(
          "store", "cannot read password file " + passwordFile + ": " + e.getMessage(), e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
