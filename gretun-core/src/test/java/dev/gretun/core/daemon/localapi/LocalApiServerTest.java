package dev.gretun.core.daemon.localapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gretun.core.GretunException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalApiServerTest {
  @TempDir Path dir;

  private static Object handle(String cmd) {
    if (cmd.equals("peers")) {
      return List.of(Map.of("name", "b", "state", "direct"));
    }
    throw new IllegalArgumentException("unknown command '" + cmd + "'");
  }

  @Test
  void answersKnownCommandAndRefusesUnknown() throws Exception {
    Path sock = dir.resolve("run/gretun.sock");
    try (LocalApiServer server = LocalApiServer.start(sock, r -> handle(r.cmd()))) {
      assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
      JsonNode peers = LocalApiClient.call(sock, "peers");
      assertEquals("direct", peers.get(0).get("state").asText());
      GretunException e =
          assertThrows(GretunException.class, () -> LocalApiClient.call(sock, "reboot"));
      assertTrue(e.getMessage().contains("unknown command 'reboot'"), e.getMessage());
      assertEquals("daemon_error", e.code());
    }
    assertFalse(Files.exists(sock), "socket file removed on close");
  }

  @Test
  void staleSocketFileIsReplaced() throws Exception {
    Path sock = dir.resolve("gretun.sock");
    Files.writeString(sock, "stale");
    try (LocalApiServer server = LocalApiServer.start(sock, r -> handle(r.cmd()))) {
      assertEquals("b", LocalApiClient.call(sock, "peers").get(0).get("name").asText());
    }
  }

  @Test
  void noDaemonGivesActionableError() {
    GretunException e =
        assertThrows(
            GretunException.class, () -> LocalApiClient.call(dir.resolve("none.sock"), "peers"));
    assertEquals("not_running", e.code());
    assertTrue(e.getMessage().contains("gretun up"), e.getMessage());
  }
}
