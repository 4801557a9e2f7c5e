package dev.gretun.e2e.signal;

import static dev.gretun.e2e.lab.Lab.A;
import static dev.gretun.e2e.lab.Lab.PUB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.e2e.Launchers;
import dev.gretun.e2e.lab.Lab;
import dev.gretun.e2e.lab.LabExtension;
import dev.gretun.e2e.lab.LabProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue #13 attack 4: a fake coordinator serves peers with tunnel IPs outside the pool (8.8.8.8,
 * the lab gateway 10.0.1.1) and an endpoint 127.0.0.1:7777. The node refuses them (one log line
 * each), installs no route for them and stays up.
 */
@ExtendWith(LabExtension.class)
class HostileCoordinatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void peersOutsideThePoolAndLoopbackEndpointsAreRefused(Lab lab) throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "hostile-coord");
    LabProcess coord =
        lab.startJava(PUB, "hostile-coord", HostileCoordinator.class, "192.0.2.10", "8443");
    coord.awaitLine("hostile_coordinator_listening", Duration.ofSeconds(20));
    Path socket = dir.resolve("a.sock");
    LabProcess a =
        lab.startGretun(
            A,
            "up-a",
            "up",
            "--insecure-http", // the hostile coordinator double speaks plain HTTP
            "--coordinator",
            "http://192.0.2.10:8443",
            "--hostname",
            "a",
            "--state-dir",
            dir.resolve("state-a").toString(),
            "--control-socket",
            socket.toString(),
            "--dataplane",
            "userspace");
    a.awaitLine("daemon_up", Duration.ofSeconds(30));
    String google = a.awaitLine("name=google", Duration.ofSeconds(20));
    assertTrue(google.contains("peer_refused") && google.contains("tunnel_ip=8.8.8.8"), google);
    assertTrue(google.contains("reason=\"outside the pool 100.64.0.0/24\""), google);
    String gateway = a.awaitLine("name=gateway", Duration.ofSeconds(5));
    assertTrue(gateway.contains("peer_refused") && gateway.contains("tunnel_ip=10.0.1.1"), gateway);
    String loop = a.awaitLine("addr=127.0.0.1:7777", Duration.ofSeconds(5));
    assertTrue(loop.contains("endpoint_refused peer=loopy"), loop);
    assertTrue(loop.contains("reason=\"loopback address\""), loop);

    // Several long-polls later: still up, each refusal logged once, no route to the refused.
    Thread.sleep(8000);
    assertTrue(a.isAlive(), "the daemon stays up\n" + a.report());
    String log = a.stdout() + a.stderr();
    assertEquals(1, log.lines().filter(l -> l.contains("name=google")).count(), log);
    assertEquals(1, log.lines().filter(l -> l.contains("addr=127.0.0.1:7777")).count(), log);
    Launchers.Result routes = lab.exec(A, "ip", "-4", "route", "show", "table", "all");
    assertEquals(0, routes.exit(), routes.stderr());
    assertFalse(routes.stdout().contains("8.8.8.8"), routes.stdout());
    for (String line : routes.stdout().lines().toList()) {
      assertFalse(
          line.startsWith("10.0.1.1 ") || line.contains("10.0.1.1 dev gretun"),
          "a route for the gateway's address: " + line);
    }
    // The one acceptable peer is listed, without the loopback/unspecified endpoints.
    Launchers.Result peers =
        Launchers.run("gretun", "peers", "--json", "--control-socket", socket.toString());
    assertEquals(0, peers.exit(), peers.stderr());
    JsonNode list = JSON.readTree(peers.stdout());
    assertEquals(1, list.size(), peers.stdout());
    assertEquals("loopy", list.get(0).path("name").asText());
    assertEquals("100.64.0.3", list.get(0).path("tunnel_ip").asText());
    assertTrue(list.get(0).path("endpoint").isNull(), peers.stdout());
    assertTrue(a.isAlive(), "the daemon stays up\n" + a.report());
  }
}
