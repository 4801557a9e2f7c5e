package dev.gretun.core.testing;

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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL server for tests, from Debian's {@code postgresql} package: {@code
 * initdb} into a fresh directory, listening on 127.0.0.1 only on a free port (its unix socket in
 * that directory), password authentication (scram-sha-256) so the tests exercise the password path,
 * and stopped and deleted at {@link #stop} or when the JVM exits. PostgreSQL refuses to run as
 * root, so as root it runs as {@code nobody} (via {@code setpriv}) in a directory owned by that
 * user. {@link #shared} is the server of this JVM's network namespace (coordinator store tests);
 * {@link #startInNamespace} starts one on the loopback of a lab namespace, for coordinator
 * processes running there. Each caller gets a database of its own ({@link #newDatabase}).
 *
 * <p>Lives in gretun-core's test-jar, which the coordinator's and the end-to-end tests share; it
 * needs no coordinator class (and no JDBC driver, except {@link #connect}).
 */
public final class TestPostgres implements AutoCloseable {
  public static final String USER = "gretun";
  public static final String PASSWORD = "test-password-" + ProcessHandle.current().pid();

  private static TestPostgres shared;

  private final Path dir;
  private final Path bin;
  private final int port;
  private final boolean asNobody;
  private final String netns;
  private final AtomicInteger databases = new AtomicInteger();
  private final AtomicBoolean stopped = new AtomicBoolean();

  /** A database of the server, as {@code gretun-coord --store} names it. */
  public record Database(String user, String host, int port, String name) {
    /** The {@code --store} text ({@code postgres://USER@HOST:PORT/DB}; no password). */
    public String storeUrl() {
      return "postgres://" + user + "@" + host + ":" + port + "/" + name;
    }
  }

  private TestPostgres(Path dir, Path bin, int port, boolean asNobody, String netns) {
    this.dir = dir;
    this.bin = bin;
    this.port = port;
    this.asNobody = asNobody;
    this.netns = netns;
  }

  /** The server of this JVM, started on first use. */
  public static synchronized TestPostgres shared() {
    if (shared == null) {
      shared = start(null);
    }
    return shared;
  }

  /**
   * A server of its own inside the network namespace {@code netns} (root only), on that namespace's
   * 127.0.0.1: only processes in it reach it over TCP. Stop it before the namespace goes away.
   */
  public static TestPostgres startInNamespace(String netns) {
    return start(netns);
  }

  public int port() {
    return port;
  }

  /**
   * A new, empty database. Created with {@code createdb} over the server's unix socket, which any
   * network namespace reaches (it is a file).
   */
  public Database newDatabase() {
    String name = "t" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
    run(
        List.of(
            bin.resolve("createdb").toString(),
            "-h",
            dir.toString(),
            "-p",
            Integer.toString(port),
            "-U",
            USER,
            name),
        Map.of("PGPASSWORD", PASSWORD));
    return new Database(USER, "127.0.0.1", port, name);
  }

  /** A JDBC connection over TCP; only for the server of this JVM's namespace ({@link #shared}). */
  public Connection connect(String database) throws SQLException {
    if (netns != null) {
      throw new IllegalStateException("the server runs in namespace " + netns);
    }
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + port + "/" + database, USER, PASSWORD);
  }

  private static TestPostgres start(String netns) {
    Path bin = findBin();
    try {
      boolean root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
      Path dir = Files.createTempDirectory("gretun-pg-");
      Path data = dir.resolve("data");
      Path pwFile = dir.resolve("pw");
      Files.writeString(pwFile, PASSWORD + "\n");
      int port = freePort();
      if (root) {
        run(List.of("chown", "-R", "nobody:nogroup", dir.toString()), Map.of());
      } else {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      }
      TestPostgres pg = new TestPostgres(dir, bin, port, root, netns);
      Runtime.getRuntime().addShutdownHook(new Thread(pg::stop, "test-postgres-stop"));
      pg.runServerTool(
          false,
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
      pg.runServerTool(
          true,
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

  /**
   * Stops the server (fast shutdown: open sessions are ended) and deletes its directory; safe to
   * call twice. pg_ctl signals the server through its pid file, from any namespace.
   */
  public void stop() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    try {
      runServerTool(
          false, "pg_ctl", "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop");
    } catch (RuntimeException e) {
      System.err.println("test-postgres: stop failed: " + e.getMessage());
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("test-postgres: cleanup failed: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    stop();
  }

  /** Runs a server binary as the server's user, inside its namespace when {@code inNamespace}. */
  private void runServerTool(boolean inNamespace, String tool, String... args) {
    List<String> cmd = new ArrayList<>();
    if (inNamespace && netns != null) {
      cmd.addAll(List.of("ip", "netns", "exec", netns));
    }
    if (asNobody) {
      // setpriv (util-linux) drops to nobody without a login shell or PAM session.
      cmd.addAll(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"));
    }
    cmd.add(bin.resolve(tool).toString());
    cmd.addAll(List.of(args));
    run(cmd, Map.of());
  }

  private static void run(List<String> cmd, Map<String, String> env) {
    try {
      ProcessBuilder pb =
          new ProcessBuilder(cmd).redirectErrorStream(true).directory(Path.of("/").toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
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
