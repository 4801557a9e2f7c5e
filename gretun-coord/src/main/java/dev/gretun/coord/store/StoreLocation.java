package dev.gretun.coord.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * Where the store lives, from {@code --store}: {@code sqlite:PATH} (a state directory) or {@code
 * postgres://USER@HOST[:PORT]/DB[?PARAMS]} (also {@code postgresql://}). PARAMS go to pgjdbc as is
 * (e.g. {@code sslmode=verify-full}). A password in the URL is refused: it would show in {@code ps}
 * and shell history; it comes from a file or the environment instead.
 */
public sealed interface StoreLocation {
  /** A SQLite store in a state directory. */
  record Sqlite(Path stateDir) implements StoreLocation {}

  /** A PostgreSQL database. */
  record Postgres(String user, String host, int port, String database, String params)
      implements StoreLocation {
    /** The pgjdbc URL, without user or password. */
    public String jdbcUrl() {
      String hostPart = host.contains(":") ? "[" + host + "]" : host;
      return "jdbc:postgresql://"
          + hostPart
          + ":"
          + port
          + "/"
          + database
          + (params == null ? "" : "?" + params);
    }

    @Override
    public String toString() {
      return "postgres://" + user + "@" + host + ":" + port + "/" + database;
    }
  }

  /** Parses a {@code --store} value; IllegalArgumentException with an operator-facing message. */
  static StoreLocation parse(String text) {
    if (text.startsWith("sqlite:")) {
      String path = text.substring("sqlite:".length());
      if (path.isEmpty()) {
        throw new IllegalArgumentException("--store sqlite:PATH needs a directory");
      }
      return new Sqlite(Path.of(path));
    }
    if (!text.startsWith("postgres://") && !text.startsWith("postgresql://")) {
      throw new IllegalArgumentException(
          "--store '" + text + "': use sqlite:DIR or postgres://USER@HOST:PORT/DB");
    }
    URI u;
    try {
      u = new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--store: " + e.getMessage());
    }
    String userInfo = u.getUserInfo();
    if (userInfo == null || userInfo.isEmpty()) {
      throw new IllegalArgumentException("--store " + text + ": name the user (USER@HOST)");
    }
    if (userInfo.contains(":")) {
      throw new IllegalArgumentException(
          "--store: do not put the password in the URL (it shows in ps); use"
              + " --store-password-file FILE or the PGPASSWORD environment variable");
    }
    String db = u.getPath() == null ? "" : u.getPath().replaceFirst("^/", "");
    if (u.getHost() == null || db.isEmpty() || db.contains("/")) {
      throw new IllegalArgumentException(
          "--store " + text + ": expected postgres://USER@HOST[:PORT]/DB");
    }
    String host = u.getHost().replaceAll("^\\[|\\]$", "");
    return new Postgres(userInfo, host, u.getPort() < 0 ? 5432 : u.getPort(), db, u.getRawQuery());
  }
}
