package dev.gretun.e2e.overlay;

import static dev.gretun.e2e.lab.Lab.A;
import static dev.gretun.e2e.lab.Lab.B;
import static dev.gretun.e2e.lab.Lab.NAT1;
import static dev.gretun.e2e.lab.Lab.NAT2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.e2e.Launchers;
import dev.gretun.e2e.lab.Lab;
import dev.gretun.e2e.lab.LabExtension;
import dev.gretun.e2e.lab.LabProcess;
import dev.gretun.e2e.lab.NatMode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code gretun ping}, {@code gretun health} and {@code gretun down} against real {@code gretun up}
 * daemons (userspace plane) in the netns NAT lab: a pong over the direct path, the daemon-made
 * tunnels probed at the peer's tunnel address, a clean stop through the control socket, and what
 * ping and health say once the peer is gone.
 */
@ExtendWith(LabExtension.class)
class OpsCommandsLabTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@code bin/gretun ARGS} inside {@code node}'s namespace (health probes from there). */
  private static Launchers.Result gretunIn(Lab lab, String node, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "env",
                "GRETUN_JAR_DIR=" + Launchers.jarDir(),
                "JAVA_HOME=" + System.getProperty("java.home")));
    cmd.addAll(Launchers.command("gretun", args));
    return lab.exec(node, cmd.toArray(String[]::new));
  }

  @Test
  void pingHealthAndDownAgainstRealDaemons(Lab lab, TestInfo info) throws Exception {
    lab.nat(NAT1, NatMode.PLAIN);
    lab.nat(NAT2, NatMode.PLAIN);
    lab.flush(NAT1, NAT2);
    Overlay o = new Overlay(lab, info.getTestMethod().orElseThrow().getName());
    o.startCoordinator();
    o.up(A);
    LabProcess upB = o.up(B);
    o.awaitState(A, B, "direct", Duration.ofSeconds(120)); // slow on a loaded machine
    o.awaitState(B, A, "direct", Duration.ofSeconds(60));
    String sockA = o.socket(A).toString();
    String sockB = o.socket(B).toString();
    String bIp = o.tunnelIp(A, B);

    // gretun ping b: a disco pong over the direct path, by name and by tunnel address.
    Launchers.Result ping =
        Launchers.run("gretun", "ping", "--json", "--control-socket", sockA, "b");
    assertEquals(0, ping.exit(), ping.stderr());
    JsonNode p = JSON.readTree(ping.stdout());
    assertEquals("direct", p.get("path").asText());
    assertEquals(bIp, p.get("tunnel_ip").asText());
    assertTrue(p.get("rtt_ms").asDouble() > 0, ping.stdout());
    Launchers.Result byIp = Launchers.run("gretun", "ping", "--control-socket", sockA, bIp);
    assertEquals(0, byIp.exit(), byIp.stderr());
    assertTrue(byIp.stdout().startsWith("pong from b (" + bIp + ") via direct "), byIp.stdout());
    Launchers.Result nobody =
        Launchers.run("gretun", "ping", "--json", "--control-socket", sockA, "nobody");
    assertEquals(1, nobody.exit());
    assertTrue(nobody.stderr().contains("no peer 'nobody'"), nobody.stderr());

    // gretun health inside a: the daemon's tunnel to b, probed at b's tunnel address.
    Launchers.Result health = gretunIn(lab, A, "health", "--json", "--control-socket", sockA);
    assertEquals(0, health.exit(), health.stdout() + health.stderr());
    JsonNode h = JSON.readTree(health.stdout());
    assertEquals("running", h.get("daemon").asText());
    JsonNode tb = only(h.get("tunnels"), "b");
    assertEquals("daemon", tb.get("source").asText());
    assertEquals(bIp, tb.get("peer_ip").asText());
    assertEquals("up", tb.get("status").asText());
    assertTrue(tb.get("rtt_ms").asDouble() > 0, health.stdout());

    // --watch, bounded: one JSON line per round.
    Launchers.Result watch =
        gretunIn(
            lab,
            A,
            "health",
            "--watch",
            "--rounds",
            "2",
            "--interval",
            "300ms",
            "--json",
            "--control-socket",
            sockA);
    assertEquals(0, watch.exit(), watch.stderr());
    List<String> lines = watch.stdout().lines().filter(l -> !l.isBlank()).toList();
    assertEquals(2, lines.size(), watch.stdout());
    for (String line : lines) {
      assertEquals("up", only(JSON.readTree(line).get("tunnels"), "b").get("status").asText());
    }

    // gretun stun without --server: the coordinator's STUN servers, asked with a's own keys.
    Launchers.Result stun =
        gretunIn(
            lab,
            A,
            "stun",
            "--json",
            "--coordinator",
            Overlay.COORD_URL,
            "--coordinator-ca",
            o.dir().resolve("tls/ca.pem").toString(),
            "--state-dir",
            o.dir().resolve("state-a").toString(),
            "--hostname",
            "a");
    assertEquals(0, stun.exit(), stun.stdout() + stun.stderr());
    JsonNode s = JSON.readTree(stun.stdout());
    assertEquals(Overlay.COORD_IP + ":3478", s.get("server").asText());
    assertEquals("mapped", s.get("results").get(0).get("status").asText());
    assertTrue(o.ping(A, bIp, 2), "the tunnel is untouched by the extra registration");

    // gretun down on b: the daemon stops and removes its TUN device and socket, as on SIGTERM.
    Launchers.Result down = Launchers.run("gretun", "down", "--json", "--control-socket", sockB);
    assertEquals(0, down.exit(), down.stderr());
    assertTrue(JSON.readTree(down.stdout()).get("stopped").asBoolean(), down.stdout());
    assertEquals(0, upB.waitFor(Duration.ofSeconds(20)), upB.report());
    assertTrue(upB.stderr().contains("daemon_stop_requested via=local_api"), upB.stderr());
    assertTrue(upB.stderr().contains("daemon_stopped"), upB.stderr());
    assertFalse(Files.exists(o.socket(B)), "control socket removed");
    assertTrue(lab.exec(B, "ip", "link", "show", "gretun0").exit() != 0, "TUN device removed");
    Launchers.Result again = Launchers.run("gretun", "down", "--json", "--control-socket", sockB);
    assertEquals(1, again.exit());
    assertTrue(again.stdout().contains("\"code\":\"not_running\""), again.stdout());

    // With b gone: no pong (exit 1), and health reports b down (exit 1).
    Launchers.Result lost =
        Launchers.run(
            "gretun", "ping", "--json", "--timeout", "1s", "--control-socket", sockA, "b");
    assertEquals(1, lost.exit(), lost.stdout() + lost.stderr());
    JsonNode l = JSON.readTree(lost.stdout());
    assertEquals("none", l.get("path").asText());
    assertTrue(l.get("rtt_ms").isNull());
    assertTrue(l.get("reason").asText().contains("no pong within 1000 ms"), lost.stdout());
    Launchers.Result sick =
        gretunIn(lab, A, "health", "--json", "--timeout", "500ms", "--control-socket", sockA);
    assertEquals(1, sick.exit(), sick.stdout() + sick.stderr());
    assertEquals(
        "down", only(JSON.readTree(sick.stdout()).get("tunnels"), "b").get("status").asText());
  }

  private static JsonNode only(JsonNode tunnels, String name) {
    List<JsonNode> found = new ArrayList<>();
    tunnels.forEach(
        t -> {
          if (t.get("name").asText().equals(name)) {
            found.add(t);
          }
        });
    assertEquals(1, found.size(), tunnels.toString());
    return found.get(0);
  }
}
