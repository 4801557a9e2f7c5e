package dev.gretun.e2e.overlay;

import static dev.gretun.e2e.lab.Lab.A;
import static dev.gretun.e2e.lab.Lab.B;
import static dev.gretun.e2e.lab.Lab.NAT1;
import static dev.gretun.e2e.lab.Lab.NAT2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.e2e.Launchers;
import dev.gretun.e2e.lab.Lab;
import dev.gretun.e2e.lab.LabExtension;
import dev.gretun.e2e.lab.NatMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue #15 tests 6 and 2 in the netns lab (userspace plane): {@code gretun netcheck} classifies
 * every lab NAT mode, and a full-cone/symmetric pair goes direct in every fresh start, whichever
 * side's disco key sorts lower (both orders must have been seen).
 */
@ExtendWith(LabExtension.class)
class NatRolesLabTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String STUN1 = Overlay.COORD_IP + ":3478";
  private static final String STUN2 = Overlay.COORD_IP + ":3479";

  /** Mode → (nat, mapping, filtering) netcheck must report behind it. */
  private static final Map<NatMode, List<String>> EXPECTED =
      Map.of(
          NatMode.PLAIN, List.of("easy", "endpoint_independent", "address_and_port_dependent"),
          NatMode.HARD, List.of("easy", "endpoint_independent", "address_and_port_dependent"),
          NatMode.CONE, List.of("cone", "endpoint_independent", "not_port_dependent"),
          NatMode.SYMMETRIC, List.of("hard", "endpoint_dependent", "address_and_port_dependent"));

  @Test
  void netcheckClassifiesEveryLabNatMode(Lab lab) throws Exception {
    Overlay o = new Overlay(lab, "netcheckClassifiesEveryLabNatMode");
    o.startCoordinator(); // STUN on 3478 and 3479
    for (NatMode mode : NatMode.values()) {
      lab.nat(NAT1, mode);
      lab.flush(NAT1);
      JsonNode r = netcheck(lab, A, "--server", STUN1 + "," + STUN2);
      List<String> expected = EXPECTED.get(mode);
      String what = mode + ": " + r;
      assertTrue(r.get("udp").asBoolean(), what);
      assertEquals(expected.get(0), r.get("nat").asText(), what);
      assertEquals(expected.get(1), r.get("mapping").asText(), what);
      assertEquals(expected.get(2), r.get("filtering").asText(), what);
      assertEquals(
          mode != NatMode.SYMMETRIC, r.get("port_preserved").asBoolean(), "masquerade keeps ports");
      System.out.printf("netcheck %s: %s (%s)%n", mode, r.get("nat"), r.get("verdict"));
    }
    // The --coordinator form finds the same two ports.
    lab.nat(NAT1, NatMode.CONE);
    lab.flush(NAT1);
    JsonNode viaCoord = netcheck(lab, A, "--coordinator", Overlay.COORD_URL);
    assertEquals("cone", viaCoord.get("nat").asText(), viaCoord.toString());
    assertEquals(2, viaCoord.get("servers").size());
  }

  @Test
  void fullConeAndSymmetricGoDirectInEveryFreshStartWhicheverKeyIsLower(Lab lab) throws Exception {
    lab.nat(NAT1, NatMode.CONE); // a
    lab.nat(NAT2, NatMode.SYMMETRIC); // b
    int coneLower = 0;
    int symmetricLower = 0;
    var times = new ArrayList<Long>();
    // At least 5 fresh starts, more (bounded) until both key orders were seen.
    for (int start = 0;
        start < 12 && (start < 5 || coneLower == 0 || symmetricLower == 0);
        start++) {
      lab.closeProcesses();
      lab.flush(NAT1, NAT2);
      Overlay o = new Overlay(lab, "coneSymmetric-" + start); // fresh keys, fresh coordinator
      o.startCoordinator();
      o.up(A);
      o.up(B);
      Duration t = o.awaitState(A, B, "direct", Duration.ofSeconds(30));
      o.awaitState(B, A, "direct", Duration.ofSeconds(30));
      String aKey = keyOf(o.peers(B), A);
      String bKey = keyOf(o.peers(A), B);
      boolean coneIsLower = aKey.compareTo(bKey) < 0; // the order PeerTable uses
      if (coneIsLower) {
        coneLower++;
      } else {
        symmetricLower++;
      }
      assertTrue(o.ping(A, o.tunnelIp(A, B), 3), "ping a -> b, start " + start);
      times.add(t.toMillis());
      System.out.printf(
          "cone/symmetric start %d: direct after %d ms, lower key on the %s side%n",
          start, t.toMillis(), coneIsLower ? "cone" : "symmetric");
    }
    assertTrue(coneLower > 0 && symmetricLower > 0, "both key orders covered: " + times);
  }

  private static String keyOf(JsonNode peers, String name) {
    for (JsonNode p : peers) {
      if (p.path("name").asText().equals(name)) {
        return p.path("key").asText();
      }
    }
    throw new AssertionError(name + " not in " + peers);
  }

  private static JsonNode netcheck(Lab lab, String node, String... args) throws Exception {
    var cmd =
        new ArrayList<>(
            List.of(
                "env",
                "GRETUN_JAR_DIR=" + Launchers.jarDir(),
                "JAVA_HOME=" + System.getProperty("java.home")));
    cmd.addAll(Launchers.command("gretun", "--json", "netcheck"));
    cmd.addAll(List.of(args));
    Launchers.Result r = lab.exec(node, cmd.toArray(String[]::new));
    assertEquals(0, r.exit(), r.stderr());
    return JSON.readTree(r.stdout());
  }
}
