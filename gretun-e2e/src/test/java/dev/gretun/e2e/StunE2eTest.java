package dev.gretun.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.stun.StunClient;
import dev.gretun.core.stun.StunProbe;
import dev.gretun.core.stun.StunServer;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gretun stun} as a real process against our StunServer and against coturn, and coturn's
 * {@code turnutils_stunclient} against our StunServer. Loopback only.
 */
class StunE2eTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final InetSocketAddress LOOPBACK =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  private static final Path TURNSERVER = Path.of("/usr/bin/turnserver");
  private static final Path STUNCLIENT = Path.of("/usr/bin/turnutils_stunclient");

  @TempDir Path tmp;

  /** Skips (or fails when gretun.requireRoot=true) when coturn is not installed. */
  private static void requireCoturn() {
    boolean present = Files.isExecutable(TURNSERVER) && Files.isExecutable(STUNCLIENT);
    if (!present && Boolean.getBoolean("gretun.requireRoot")) {
      fail("coturn is not installed (make deps installs it: apt-get install coturn)");
    }
    Assumptions.assumeTrue(present, "coturn not installed (apt-get install coturn); skipping");
  }

  private static JsonNode stunJson(String server) throws Exception {
    Launchers.Result r = Launchers.run("gretun", "stun", "--server", server, "--json");
    assertEquals(0, r.exit(), r.stderr());
    return MAPPER.readTree(r.stdout());
  }

  @Test
  void gretunStunAgainstOurServer() throws Exception {
    try (StunServer server = StunServer.start(LOOPBACK, StunServer.Options.defaults())) {
      String addr = "127.0.0.1:" + server.localAddress().getPort();
      JsonNode j = stunJson(addr);
      int localPort = j.get("local_port").asInt();
      assertEquals("127.0.0.1:" + localPort, j.get("public_endpoint").asText(), j.toString());
      assertEquals(addr, j.get("server").asText());
      // The server saw the same source the client reports as its public endpoint.
      assertEquals(new InetSocketAddress("127.0.0.1", localPort), server.lastAnswered());
      assertEquals("gretun", j.get("results").get(0).get("software").asText());
    }
  }

  @Test
  void gretunStunAgainstCoturn() throws Exception {
    requireCoturn();
    int port = freeUdpAndTcpPort();
    Path log = tmp.resolve("turnserver.log");
    Process turn =
        new ProcessBuilder(
                TURNSERVER.toString(),
                "-n",
                "--listening-ip",
                "127.0.0.1",
                "--relay-ip",
                "127.0.0.1",
                "--listening-port",
                String.valueOf(port),
                "--stun-only",
                "--no-tls",
                "--no-dtls",
                "--no-cli",
                "--simple-log",
                "--log-file",
                tmp.resolve("turn.log").toString(),
                "--pidfile",
                tmp.resolve("turn.pid").toString(),
                "--userdb",
                tmp.resolve("turndb").toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      InetSocketAddress coturn = new InetSocketAddress("127.0.0.1", port);
      awaitStun(coturn, turn, log);
      JsonNode j = stunJson("127.0.0.1:" + port);
      int localPort = j.get("local_port").asInt();
      assertEquals("127.0.0.1:" + localPort, j.get("public_endpoint").asText(), j.toString());
      assertEquals("mapped", j.get("results").get(0).get("status").asText());
      String software = j.get("results").get(0).get("software").asText("");
      assertTrue(software.toLowerCase().contains("coturn"), "coturn's SOFTWARE: " + software);
    } finally {
      turn.destroy();
      if (!turn.waitFor(5, TimeUnit.SECONDS)) {
        turn.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void coturnClientAgainstOurServer() throws Exception {
    requireCoturn();
    try (StunServer server = StunServer.start(LOOPBACK, StunServer.Options.defaults())) {
      Process p =
          new ProcessBuilder(
                  STUNCLIENT.toString(),
                  "-p",
                  String.valueOf(server.localAddress().getPort()),
                  "127.0.0.1")
              .redirectErrorStream(true)
              .start();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("turnutils_stunclient did not finish");
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.exitValue(), out);
      Matcher m = Pattern.compile("UDP reflexive addr: (\\S+):(\\d+)").matcher(out);
      assertTrue(m.find(), out);
      // The server counts an answer after its send returns: the client can print it and exit
      // before the server's thread gets there on a loaded machine (seen in CI).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (server.lastAnswered() == null && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      InetSocketAddress seen = server.lastAnswered();
      assertNotNull(seen, "our server answered nothing; client said:\n" + out);
      assertEquals("127.0.0.1", m.group(1), out);
      assertEquals(seen.getPort(), Integer.parseInt(m.group(2)), out);
      assertTrue(server.requestsAnswered() >= 1);
    }
  }

  /** Waits (at most 15 s) until coturn answers a Binding request. */
  private static void awaitStun(InetSocketAddress server, Process turn, Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      if (!turn.isAlive()) {
        fail("turnserver exited " + turn.exitValue() + ":\n" + Files.readString(log));
      }
      var report =
          StunProbe.run(
              LOOPBACK,
              List.of(server),
              Duration.ofMillis(500),
              new StunClient.Timing(Duration.ofMillis(100), 3, 2));
      if (report.results().get(0).ok()) {
        return;
      }
    }
    fail("turnserver did not answer STUN within 15 s:\n" + Files.readString(log));
  }

  /** A port free for both UDP and TCP on loopback (coturn listens on both). */
  private static int freeUdpAndTcpPort() throws IOException {
    for (int i = 0; i < 20; i++) {
      try (DatagramSocket udp = new DatagramSocket(LOOPBACK)) {
        int port = udp.getLocalPort();
        try (ServerSocket tcp = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
          return port;
        } catch (IOException busy) {
          // try another
        }
      }
    }
    throw new IOException("no free loopback port found");
  }
}
