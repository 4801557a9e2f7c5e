package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.coord.store.CoordStore;
import dev.gretun.coord.store.SqliteCoordStore;
import dev.gretun.core.GretunException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The store holds node keys and join-key hashes: owner-only modes, and no accidental stores. */
class StateDirTest {
  @TempDir Path tmp;

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void newStoreIsOwnerOnlyIncludingWalAndShm() throws Exception {
    Path dir = tmp.resolve("state");
    try (CoordStore store = SqliteCoordStore.open(dir)) {
      store.createJoinKey(true, null, Instant.now()); // a write, so the WAL has content
      assertEquals("rwx------", mode(dir));
      for (String f : new String[] {"coord.db", "coord.db-wal", "coord.db-shm"}) {
        assertTrue(Files.exists(dir.resolve(f)), f);
        assertEquals("rw-------", mode(dir.resolve(f)), f);
      }
    }
  }

  @Test
  void groupReadableDirOrStoreIsRefusedWithTheFix() throws Exception {
    Path dir = tmp.resolve("state");
    SqliteCoordStore.open(dir).close();
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    GretunException e = assertThrows(GretunException.class, () -> SqliteCoordStore.open(dir));
    assertTrue(e.getMessage().contains("chmod 700 " + dir), e.getMessage());

    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    Path db = dir.resolve("coord.db");
    Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-r--r--"));
    e = assertThrows(GretunException.class, () -> SqliteCoordStore.open(dir));
    assertTrue(e.getMessage().contains("chmod 600 " + db), e.getMessage());
  }

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void adminCommandsRefuseAMissingStoreUnlessInit() throws Exception {
    Path missing = tmp.resolve("nonexistent");
    for (String[] cmd :
        new String[][] {{"keys", "list"}, {"keys", "revoke", "abcd1234"}, {"nodes", "list"}}) {
      String[] args = new String[cmd.length + 2];
      System.arraycopy(cmd, 0, args, 0, cmd.length);
      args[cmd.length] = "--state-dir";
      args[cmd.length + 1] = missing.toString();
      Run r = run(args);
      assertEquals(1, r.exit(), String.join(" ", cmd) + ": " + r.err());
      assertTrue(r.err().contains(missing.resolve("coord.db").toString()), r.err());
      assertFalse(Files.exists(missing), "nothing may be created by " + String.join(" ", cmd));
    }
    Run init = run("keys", "list", "--init", "--state-dir", missing.toString());
    assertEquals(0, init.exit(), init.err());
    assertTrue(Files.exists(missing.resolve("coord.db")));
  }

  @Test
  void keysCreateMakesTheStoreAndSaysWhere() {
    Path fresh = tmp.resolve("fresh");
    Run r = run("keys", "create", "--state-dir", fresh.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.err().contains("created a new coordinator store at " + fresh), r.err());
    Run again = run("keys", "create", "--state-dir", fresh.toString());
    assertFalse(again.err().contains("created a new"), again.err());
  }
}
