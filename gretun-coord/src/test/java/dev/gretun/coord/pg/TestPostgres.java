package dev.gretun.coord.pg;

import dev.gretun.coord.store.StoreLocation;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL server for tests, from Debian's {@code postgresql} package: {@code
 * initdb} into a fresh directory, listening on 127.0.0.1 only on a free port (its unix socket in
 * that directory), password authentication (scram-sha-256) so the tests exercise the password path,
 * and stopped and deleted when the JVM exits. PostgreSQL refuses to run as root, so as root it runs
 * as {@code nobody} (via {@code setpriv}) in a directory owned by that user. One server per test
 * JVM; each caller gets a database of its own ({@link #newDatabase}).
 */
public final class TestPostgres {
  public static final String USER = "gretun";
  public static final String PASSWORD = "test-password-" + ProcessHandle.current().pid();

  private static TestPostgres shared;

  private final Path dir;
  private final Path bin;
  private final int port;
  private final boolean asNobody;
  private final AtomicInteger databases = new AtomicInteger();

  private TestPostgres(Path dir, Path bin, int port, boolean asNobody) {
    this.dir = dir;
    this.bin = bin;
    this.port = port;
    this.asNobody = asNobody;
  }

  /** The server of this JVM, started on first use. */
  public static synchronized TestPostgres shared() {
    if (shared == null) {
      shared = start();
      Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "test-postgres-stop"));
    }
    return shared;
  }

  public int port() {
    return port;
  }

  /** A new, empty database; its location as {@code --store} would name it. */
  public StoreLocation.Postgres newDatabase() {
    String name = "t" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
    try (Connection c = connect("postgres");
        var st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("CREATE DATABASE failed: " + e.getMessage(), e);
    }
    return new StoreLocation.Postgres(USER, "127.0.0.1", port, name, null);
  }

  /** The {@code --store} text of {@code db}. */
  public static String url(StoreLocation.Postgres db) {
    return "postgres://" + db.user() + "@" + db.host() + ":" + db.port() + "/" + db.database();
  }

  public Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + port + "/" + database, USER, PASSWORD);
  }

  private static TestPostgres start() {
    Path bin = findBin();
    try {
      boolean root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
      Path dir = Files.createTempDirectory("gretun-pg-");
      Path data = dir.resolve("data");
      Path pwFile = dir.resolve("pw");
      Files.writeString(pwFile, PASSWORD + "\n");
      int port = freePort();
      if (root) {
        run(List.of("chown", "-R", "nobody:nogroup", dir.toString()));
      } else {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      }
      TestPostgres pg = new TestPostgres(dir, bin, port, root);
      pg.runPg(
          "initdb",
          "-D",
          data.toString(),
          "-U",
          USER,
          "--pwfile=" + pwFile,
          "--auth-host=scram-sha-256",
          "--auth-local=scram-sha-256",
          "-E",
          "UTF8",
          "--no-instructions");
      pg.runPg(
          "pg_ctl",
          "-D",
          data.toString(),
          "-l",
          dir.resolve("log").toString(),
          "-w",
          "-t",
          "60",
          "-o",
          "-c listen_addresses=127.0.0.1 -p "
              + port
              + " -k "
              + dir
              + " -c fsync=off -c max_connections=200 -c shared_buffers=32MB",
          "start");
      return pg;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start test PostgreSQL: " + e.getMessage(), e);
    }
  }

  /** Stops the server (fast shutdown: open sessions are ended) and deletes its directory. */
  public void stop() {
    try {
      runPg("pg_ctl", "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop");
    } catch (RuntimeException e) {
      System.err.println("test-postgres: stop failed: " + e.getMessage());
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("test-postgres: cleanup failed: " + e.getMessage());
    }
  }

  private void runPg(String tool, String... args) {
    List<String> cmd = new ArrayList<>();
    if (asNobody) {
      // setpriv (util-linux) drops to nobody without a login shell or PAM session.
      cmd.addAll(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"));
    }
    cmd.add(bin.resolve(tool).toString());
    cmd.addAll(List.of(args));
    run(cmd);
  }

  private static void run(List<String> cmd) {
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .directory(Path.of("/").toFile())
              .start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", cmd) + " failed: " + new String(out).strip());
      }
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Debian keeps the server binaries in /usr/lib/postgresql/VERSION/bin; the newest wins. */
  private static Path findBin() {
    Path root = Path.of("/usr/lib/postgresql");
    try (Stream<Path> versions = Files.list(root)) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.comparingInt(TestPostgres::majorOf))
          .orElseThrow(TestPostgres::notInstalled);
    } catch (IOException e) {
      throw notInstalled();
    }
  }

  private static int majorOf(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static IllegalStateException notInstalled() {
    return new IllegalStateException(
        "PostgreSQL server binaries not found under /usr/lib/postgresql: install the Debian"
            + " package 'postgresql' (make deps does)");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
