package dev.gretun.coord.store;

import dev.gretun.core.GretunException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.Set;
import org.sqlite.SQLiteConfig;

/**
 * Opens the SQLite store, {@code <state-dir>/coord.db}: WAL journal; with {@link Sync#FULL} (the
 * default) every commit fsyncs the WAL, so neither a SIGKILL nor a power loss after a reply can
 * lose that write. {@link Sync#NORMAL} skips the fsync: the WAL write still reaches the kernel
 * before commit returns, so a SIGKILL loses nothing, but a power loss or kernel crash may roll back
 * the last commits. Writers wait up to 10 s for each other, so the admin CLI and the server can
 * write the same file concurrently; the server notices other writers by polling the version.
 */
public final class SqliteCoordStore {
  public static final String FILE_NAME = "coord.db";

  private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> GROUP_OR_OTHERS =
      EnumSet.complementOf(
          EnumSet.of(
              PosixFilePermission.OWNER_READ,
              PosixFilePermission.OWNER_WRITE,
              PosixFilePermission.OWNER_EXECUTE));

  private SqliteCoordStore() {}

  /**
   * When a commit is durable: {@code FULL} fsyncs the WAL on every commit (survives power loss);
   * {@code NORMAL} writes the WAL without fsync (survives a killed process, since the data is in
   * the OS page cache, but a power loss may roll back the last commits).
   */
  public enum Sync {
    FULL,
    NORMAL
  }

  /** Opens (creating when needed) the store in {@code stateDir} with {@link Sync#FULL}. */
  public static CoordStore open(Path stateDir) {
    return open(stateDir, Sync.FULL);
  }

  /** Opens (creating when needed) the store in {@code stateDir}. */
  public static CoordStore open(Path stateDir, Sync sync) {
    secureStateDir(stateDir);
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
    cfg.setSynchronous(
        sync == Sync.FULL
            ? SQLiteConfig.SynchronousMode.FULL
            : SQLiteConfig.SynchronousMode.NORMAL);
    cfg.setBusyTimeout(10_000);
    String url = "jdbc:sqlite:" + stateDir.resolve(FILE_NAME).toAbsolutePath();
    Connection c;
    try {
      c = cfg.createConnection(url);
    } catch (SQLException e) {
      throw new GretunException("state_dir", "cannot open store " + url + ": " + e.getMessage(), e);
    }
    return new SqlCoordStore(new SqliteDialect(c), SqlCoordStore.ChangeFeed.NONE, null);
  }

  /**
   * Makes {@code stateDir} ready for the database, which holds node keys and join-key hashes:
   * creates the directory 0700 and the (empty) database file 0600 when missing, and refuses a
   * directory or database, WAL or shared-memory file that group or others may access (as the node
   * refuses its key file). SQLite creates {@code -wal} and {@code -shm} later with the database
   * file's mode (and fchmods them past the umask), so they are 0600 too.
   */
  static void secureStateDir(Path stateDir) {
    try {
      if (!Files.isDirectory(stateDir)) {
        Files.createDirectories(stateDir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        Files.setPosixFilePermissions(stateDir, OWNER_ONLY_DIR); // the umask may have masked bits
      }
      refuseShared(stateDir, "state dir", "chmod 700 ");
      Path db = stateDir.resolve(FILE_NAME);
      if (!Files.exists(db)) {
        Files.createFile(db, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        Files.setPosixFilePermissions(db, OWNER_ONLY_FILE);
      }
      for (String suffix : new String[] {"", "-wal", "-shm"}) {
        Path f = stateDir.resolve(FILE_NAME + suffix);
        if (Files.exists(f)) {
          refuseShared(f, "store file", "chmod 600 ");
        }
      }
    } catch (IOException e) {
      throw new GretunException(
          "state_dir", "cannot prepare state dir " + stateDir + ": " + e.getMessage(), e);
    }
  }

  private static void refuseShared(Path p, String what, String fix) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
    Set<PosixFilePermission> shared = EnumSet.noneOf(PosixFilePermission.class);
    shared.addAll(perms);
    shared.retainAll(GROUP_OR_OTHERS);
    if (!shared.isEmpty()) {
      throw new GretunException(
          "state_dir_permissions",
          what
              + " "
              + p
              + " is accessible to group or others (mode "
              + PosixFilePermissions.toString(perms)
              + ") and holds node keys and join-key hashes; fix it with: "
              + fix
              + p);
    }
  }
}
