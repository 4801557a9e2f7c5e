package dev.gretun.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.coord.CoordClient;
import dev.gretun.core.coord.CoordWire.RegisterResponse;
import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.core.os.NotifySocketReceiver;
import dev.gretun.e2e.tls.CoordTlsFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code bin/gretun-coord} process (HTTPS with a test CA): acceptance start, SIGKILL
 * durability, SIGTERM.
 */
class CoordProcessTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  private CoordTlsFiles tls;

  @BeforeEach
  void tls() throws IOException {
    tls = CoordTlsFiles.create(dir.resolve("tls"), "127.0.0.1");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private Process start(Path log, String... args) throws IOException {
    return start(log, Map.of(), args);
  }

  private Process start(Path log, Map<String, String> env, String... args) throws IOException {
    List<String> withTls = new ArrayList<>(List.of(args));
    withTls.addAll(tls.coordArgs());
    ProcessBuilder pb = Launchers.builder("gretun-coord", withTls.toArray(String[]::new));
    pb.environment().putAll(env);
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return pb.start();
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return get(port, path, null);
  }

  private HttpResponse<String> get(int port, String path, String authorization) throws Exception {
    try (HttpClient http = HttpClient.newBuilder().sslContext(tls.clientContext()).build()) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
              .timeout(Duration.ofSeconds(5));
      if (authorization != null) {
        b.header("Authorization", authorization);
      }
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  private void awaitHealthy(int port, Process p, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError("gretun-coord exited:\n" + Files.readString(log));
      }
      try {
        if (get(port, "/healthz").statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("gretun-coord not healthy in 60 s:\n" + Files.readString(log));
  }

  @Test
  void acceptanceCommandStartsOnEmptyDirAndServesHealthz() throws Exception {
    int port = freePort();
    Path state = dir.resolve("state");
    Path log = dir.resolve("coord.log");
    Process p =
        start(
            log,
            "--listen",
            "127.0.0.1:" + port,
            "--pool",
            "100.64.0.0/24",
            "--state-dir",
            state.toString(),
            "--metrics-listen",
            "off");
    try {
      awaitHealthy(port, p, log);
      JsonNode h = JSON.readTree(get(port, "/healthz").body());
      assertEquals("ok", h.get("status").asText());
      assertTrue(Files.readString(log).contains("keys create"), "first start explains join keys");
    } finally {
      p.destroy();
      assertTrue(p.waitFor(20, TimeUnit.SECONDS), "SIGTERM must stop the coordinator");
    }
    String out = Files.readString(log);
    assertTrue(out.contains("shutdown_done"), out);
  }

  /** Type=notify: READY=1 once the API answers (not before), STOPPING=1 on SIGTERM. */
  @Test
  void systemdHearsReadyWhenServingAndStoppingOnSigterm() throws Exception {
    int port = freePort();
    Path log = dir.resolve("coord.log");
    try (NotifySocketReceiver systemd = NotifySocketReceiver.bind(dir.resolve("notify.sock"))) {
      Process p =
          start(
              log,
              Map.of("NOTIFY_SOCKET", systemd.name()),
              "--listen",
              "127.0.0.1:" + port,
              "--state-dir",
              dir.resolve("state").toString(),
              "--metrics-listen",
              "off");
      try {
        String ready = systemd.receive(Duration.ofSeconds(60)).orElse("(nothing)");
        assertTrue(ready.lines().anyMatch("READY=1"::equals), ready + "\n" + Files.readString(log));
        assertEquals(200, get(port, "/healthz").statusCode(), "ready means serving");
      } finally {
        p.destroy();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "SIGTERM must stop the coordinator");
      }
      String stopping = systemd.receive(Duration.ofSeconds(5)).orElse("(nothing)");
      assertTrue(
          stopping.lines().anyMatch("STOPPING=1"::equals), stopping + "\n" + Files.readString(log));
    }
  }

  @Test
  void sigkillThenRestartKeepsNodesAndAddresses() throws Exception {
    int port = freePort();
    Path state = dir.resolve("state");
    Path log = dir.resolve("coord.log");
    Launchers.Result key =
        Launchers.run(
            "gretun-coord",
            "keys",
            "create",
            "--reusable",
            "--json",
            "--state-dir",
            state.toString());
    assertEquals(0, key.exit(), key.stderr());
    String joinKey = JSON.readTree(key.stdout()).get("key").asText();
    String token = "process-test-admin-token";
    Path tokenFile = dir.resolve("admin.token");
    Files.writeString(tokenFile, token);
    String[] args = {
      "--listen",
      "127.0.0.1:" + port,
      "--state-dir",
      state.toString(),
      "--stun-listen",
      "off",
      "--metrics-listen",
      "off",
      "--admin-token-file",
      tokenFile.toString()
    };

    Process p = start(log, args);
    Map<String, String> ips = new HashMap<>();
    List<CoordClient> clients = new ArrayList<>();
    try {
      awaitHealthy(port, p, log);
      for (int i = 0; i < 3; i++) {
        byte[] disco = new byte[32];
        new SecureRandom().nextBytes(disco);
        CoordClient c =
            new CoordClient(
                CoordClient.Config.of(
                        URI.create("https://127.0.0.1:" + port),
                        Ed25519Keys.generate(),
                        disco,
                        "node" + i,
                        joinKey)
                    .withTls(tls.clientContext()));
        clients.add(c);
        RegisterResponse r = c.register();
        ips.put(c.nodeKey(), r.tunnelIp());
      }
      // The reply was sent, so the registration is acknowledged: kill without warning.
      p.destroyForcibly();
      assertTrue(p.waitFor(10, TimeUnit.SECONDS));

      p = start(log, args);
      awaitHealthy(port, p, log);
      JsonNode peers =
          JSON.readTree(get(port, "/debug/peers", "Bearer " + token).body()).get("peers");
      assertEquals(3, peers.size());
      for (JsonNode peer : peers) {
        assertEquals(ips.get(peer.get("node_key").asText()), peer.get("tunnel_ip").asText());
      }
      for (CoordClient c : clients) {
        RegisterResponse again = c.register();
        assertFalse(again.created());
        assertEquals(ips.get(c.nodeKey()), again.tunnelIp());
      }
    } finally {
      clients.forEach(CoordClient::close);
      p.destroy();
      p.waitFor(20, TimeUnit.SECONDS);
    }
  }
}
