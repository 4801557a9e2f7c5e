package dev.gretun.e2e.overlay;

import static dev.gretun.e2e.lab.Lab.A;
import static dev.gretun.e2e.lab.Lab.B;
import static dev.gretun.e2e.lab.Lab.NAT1;
import static dev.gretun.e2e.lab.Lab.NAT2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gretun.e2e.lab.Lab;
import dev.gretun.e2e.lab.LabExtension;
import dev.gretun.e2e.lab.LabProcess;
import dev.gretun.e2e.lab.NatMode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue #15 test 3 in the netns lab (userspace plane, real processes): a behind {@code plain}
 * (easy), b behind {@code symmetric} (hard). With {@code --aggressive-punch} on both nodes the
 * birthday punch makes the pair direct and ping passes on the direct path; without it the pair uses
 * the coordinator's relay and ping passes there.
 */
@ExtendWith(LabExtension.class)
class BirthdayPunchLabTest {
  private static final Duration STEP = Duration.ofSeconds(60);
  private static final String RELAY = Overlay.COORD_IP + ":" + Overlay.RELAY_PORT;

  /**
   * An attempt can miss (1 024 probes against 256 mappings win about 98 % of the time in theory;
   * probes sent while the spray's sockets are still opening are wasted, and 2 of 5 first attempts
   * timed out in the lab): 20 s per attempt, the second 35 s after the first fails, the third 70 s
   * after the second (docs/DAEMON.md "Birthday punch"), so three attempts fit in 200 s.
   */
  private static final Duration THREE_ATTEMPTS = Duration.ofSeconds(200);

  private static Overlay plainSymmetric(Lab lab, TestInfo info) throws Exception {
    lab.nat(NAT1, NatMode.PLAIN); // a: easy
    lab.nat(NAT2, NatMode.SYMMETRIC); // b: hard
    lab.flush(NAT1, NAT2);
    Overlay o = new Overlay(lab, info.getTestMethod().orElseThrow().getName());
    o.startCoordinator();
    return o;
  }

  @Test
  void withAggressivePunchThePairGoesDirect(Lab lab, TestInfo info) throws Exception {
    Overlay o = plainSymmetric(lab, info);
    LabProcess a = o.up(A, "--aggressive-punch");
    LabProcess b = o.up(B, "--aggressive-punch");
    // Two JVMs starting on a loaded machine can take most of a minute to register: one step for
    // that, one for the punch.
    awaitListed(o, A, B);
    awaitListed(o, B, A);
    Duration t = o.awaitState(A, B, "direct", THREE_ATTEMPTS);
    o.awaitState(B, A, "direct", STEP);

    String bIp = o.tunnelIp(A, B);
    String aIp = o.tunnelIp(B, A);
    assertTrue(o.ping(A, bIp, 5), "ping a -> b");
    assertTrue(o.ping(B, aIp, 5), "ping b -> a");
    JsonNode bAtA = peer(o, A, B);
    JsonNode aAtB = peer(o, B, A);
    assertEquals("direct", bAtA.path("path").asText(), bAtA.toString());
    assertEquals("direct", aAtB.path("path").asText(), aAtB.toString());
    assertNotEquals(RELAY, bAtA.path("endpoint").asText(), "a reaches b's winning port directly");
    // b's NAT maps per destination: the endpoint a uses is a port b's STUN never saw.
    assertTrue(bAtA.path("bytes_in").asLong() > 0 && bAtA.path("bytes_out").asLong() > 0);

    // The path came from a birthday attempt on both sides (an earlier one may have timed out).
    String probeEnd = a.awaitLine("result=direct", STEP);
    String sprayEnd = b.awaitLine("result=direct", STEP);
    String sprayStart = b.awaitLine("role=spray", STEP);
    assertTrue(probeEnd.contains("birthday_punch_end"), probeEnd);
    assertTrue(sprayEnd.contains("birthday_punch_end"), sprayEnd);
    assertTrue(sprayStart.contains("sockets=256"), sprayStart);
    long attempts =
        b.stderr().lines().filter(l -> l.contains("role=spray")).count()
            + b.stdout().lines().filter(l -> l.contains("role=spray")).count();
    String punched = a.awaitLine("punch_succeeded", STEP);
    System.out.printf(
        "plain/symmetric --aggressive-punch: direct %d ms after both listed each other, %d"
            + " attempt(s); a: %s; %s%n",
        t.toMillis(), attempts, probeEnd.strip(), punched.strip());
  }

  @Test
  void withoutTheFlagThePairUsesTheRelay(Lab lab, TestInfo info) throws Exception {
    Overlay o = plainSymmetric(lab, info);
    o.up(A);
    o.up(B);
    awaitListed(o, A, B);
    awaitPath(o, A, B, "relay", RELAY);
    awaitPath(o, B, A, "relay", RELAY);
    String bIp = o.tunnelIp(A, B);
    o.awaitPing(A, bIp, STEP);
    assertTrue(o.ping(A, bIp, 5), "ping a -> b through the relay");
    assertEquals("relay", peer(o, A, B).path("path").asText());
  }

  private static JsonNode peer(Overlay o, String node, String name) throws Exception {
    for (JsonNode p : o.peers(node)) {
      if (p.path("name").asText().equals(name)) {
        return p;
      }
    }
    throw new AssertionError(node + " does not list " + name);
  }

  /** One step: {@code node}'s daemon is up and lists {@code name} (start-up and registration). */
  private static void awaitListed(Overlay o, String node, String name) throws Exception {
    long deadline = System.nanoTime() + STEP.toNanos();
    while (System.nanoTime() < deadline) {
      if (!o.stateOf(node, name).equals("absent")) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(node + " never listed " + name + " within " + STEP);
  }

  private static void awaitPath(Overlay o, String node, String name, String path, String endpoint)
      throws Exception {
    long deadline = System.nanoTime() + STEP.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      for (JsonNode p : o.peers(node)) {
        if (p.path("name").asText().equals(name)) {
          last = p;
          if (p.path("path").asText().equals(path)
              && p.path("endpoint").asText().equals(endpoint)) {
            return;
          }
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError(node + " never showed " + name + " on " + path + "; last: " + last);
  }
}
