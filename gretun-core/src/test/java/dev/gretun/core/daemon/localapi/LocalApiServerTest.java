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

  @Test
  void argumentsReachTheHandlerAndAreChecked() throws Exception {
    Path sock = dir.resolve("args.sock");
    try (LocalApiServer server =
        LocalApiServer.start(
            sock,
            r -> Map.of("peer", r.text("peer"), "timeout_ms", r.number("timeout_ms", 1, 100, 7)))) {
      JsonNode echo = LocalApiClient.call(sock, "ping", Map.of("peer", "b", "timeout_ms", 50));
      assertEquals("b", echo.get("peer").asText());
      assertEquals(50, echo.get("timeout_ms").asInt());
      assertEquals(
          7, LocalApiClient.call(sock, "ping", Map.of("peer", "b")).get("timeout_ms").asInt());
      GretunException big =
          assertThrows(
              GretunException.class,
              () -> LocalApiClient.call(sock, "ping", Map.of("peer", "b", "timeout_ms", 101)));
      assertTrue(
          big.getMessage().contains("timeout_ms must be an integer in 1..100"), big.getMessage());
      GretunException notText =
          assertThrows(
              GretunException.class, () -> LocalApiClient.call(sock, "ping", Map.of("peer", 5)));
      assertTrue(notText.getMessage().contains("peer must be a string"), notText.getMessage());
    }
  }

  @Test
  void afterReplyRunsOnceTheCallerHasTheAnswer() throws Exception {
    Path sock = dir.resolve("down.sock");
    java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
    try (LocalApiServer server =
        LocalApiServer.start(
            sock, r -> new LocalApiServer.AfterReply(Map.of("stopping", true), ran::countDown))) {
      assertTrue(LocalApiClient.call(sock, "down").get("stopping").asBoolean());
      assertTrue(ran.await(5, java.util.concurrent.TimeUnit.SECONDS));
      assertTrue(LocalApiClient.listening(sock));
    }
    assertFalse(LocalApiClient.listening(sock));
  }

  @Test
  void aSlowCommandDoesNotHoldUpOthers() throws Exception {
    Path sock = dir.resolve("slow.sock");
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    try (LocalApiServer server =
        LocalApiServer.start(
            sock,
            r -> {
              if (r.cmd().equals("slow")) {
                try {
                  release.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              return handle("peers");
            })) {
      Thread slow = Thread.ofVirtual().start(() -> LocalApiClient.call(sock, "slow"));
      long start = System.nanoTime();
      assertEquals("b", LocalApiClient.call(sock, "peers").get(0).get("name").asText());
      assertTrue(System.nanoTime() - start < 5_000_000_000L, "peers answered while slow waits");
      release.countDown();
      slow.join(10_000);
    }
  }
}
