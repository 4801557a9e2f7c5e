package dev.gretun.e2e.coordload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.e2e.Launchers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store holds node keys and join-key hashes: owner-only files, and no accidental stores. */
class StateFilesTest {
  @TempDir Path dir;

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void runningCoordinatorKeepsItsStateOwnerOnly() throws Exception {
    Path state = dir.resolve("state");
    try (CoordProcess coord = CoordProcess.start(dir)) {
      // The server has written (schema, store id) and keeps the WAL and shared memory open.
      assertEquals("rwx------", mode(state));
      for (String f : new String[] {"coord.db", "coord.db-wal", "coord.db-shm"}) {
        assertTrue(Files.exists(state.resolve(f)), f);
        assertEquals("rw-------", mode(state.resolve(f)), f);
      }
      Launchers.Result key =
          Launchers.run("gretun-coord", "keys", "create", "--state-dir", state.toString());
      assertEquals(0, key.exit(), key.stderr());
      for (String f : new String[] {"coord.db", "coord.db-wal", "coord.db-shm"}) {
        assertEquals("rw-------", mode(state.resolve(f)), f);
      }
    }
  }

  @Test
  void startOnAGroupReadableStateDirIsRefusedWithTheFix() throws Exception {
    Path state = dir.resolve("state");
    Files.createDirectories(state);
    Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
    ProcessBuilder pb =
        Launchers.builder(
            "gretun-coord",
            "--insecure-http",
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "off",
            "--stun-listen",
            "off",
            "--state-dir",
            state.toString());
    Path log = dir.resolve("coord.log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String out = Files.readString(log);
    assertEquals(1, p.exitValue(), out);
    assertTrue(out.contains("accessible to group or others"), out);
    assertTrue(out.contains("chmod 700 " + state), out);
    assertFalse(Files.exists(state.resolve("coord.db")), "nothing is written into it");
  }

  @Test
  void adminCommandOnAMissingStoreFailsAndCreatesNothing() throws Exception {
    Path missing = dir.resolve("nonexistent");
    Launchers.Result r =
        Launchers.run("gretun-coord", "keys", "list", "--state-dir", missing.toString());
    assertEquals(1, r.exit(), r.stderr());
    assertTrue(r.stderr().contains(missing.resolve("coord.db").toString()), r.stderr());
    assertFalse(Files.exists(missing));
  }
}
