package dev.gretun.e2e.relay;

import static dev.gretun.e2e.lab.Lab.A;
import static dev.gretun.e2e.lab.Lab.B;
import static dev.gretun.e2e.lab.Lab.NAT1;
import static dev.gretun.e2e.lab.Lab.NAT2;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gretun.e2e.lab.Lab;
import dev.gretun.e2e.lab.LabExtension;
import dev.gretun.e2e.lab.LabProcess;
import dev.gretun.e2e.lab.NatMode;
import dev.gretun.e2e.overlay.Overlay;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue #15 test 4 (userspace plane, real processes): a pair behind two symmetric NATs talks
 * through the relay; both NATs then turn into plain masquerade during the run, and the pair
 * upgrades to direct on its own while a ping load keeps flowing.
 *
 * <p>Only the NATs' conntrack entries towards the STUN ports are deleted after the switch, so that
 * port P's next STUN refresh meets the new NAT (kept entries keep their old random ports, and the
 * STUN flows are refreshed every 25 s, so they would never expire): the relay flow keeps its port,
 * and the relayed tunnel is not interrupted by the switch. How the daemon notices the new NAT and
 * the bound on the upgrade: docs/DAEMON.md "Relay path".
 */
@ExtendWith(LabExtension.class)
class RelayUpgradeLabTest {
  /**
   * Port P's STUN refresh (every 25 s) sees the new mapping, a netcheck (≤ 3.5 s) confirms the new
   * type, both post it, and the peers punch at once (≤ 10 s punch timeout + 5 s confirmation); a
   * NAT type change does not wait for the re-punch backoff. 120 s leaves room for one failed
   * attempt and the 35 s backoff after it on a loaded machine.
   */
  private static final Duration UPGRADE = Duration.ofSeconds(120);

  /**
   * Pings lost in the whole run (5 a second): the switch may cost a few, the tunnel never drops.
   */
  private static final int MAX_LOST = 10;

  private static final Pattern REPLY = Pattern.compile("icmp_seq=(\\d+) ttl=");
  private static final Pattern SEQ = Pattern.compile("icmp_seq=(\\d+)");

  @Test
  void symmetricToPlainUpgradesToDirectWithoutDroppingTheTunnel(Lab lab, TestInfo info)
      throws Exception {
    lab.nat(NAT1, NatMode.SYMMETRIC);
    lab.nat(NAT2, NatMode.SYMMETRIC);
    lab.flush(NAT1, NAT2);
    Overlay o = new Overlay(lab, info.getTestMethod().orElseThrow().getName());
    o.startCoordinator();
    o.up(A, "--verbose");
    o.up(B, "--verbose");
    RelayLabTest.awaitRelayed(o, A, B);
    RelayLabTest.awaitRelayed(o, B, A);
    String bIp = o.tunnelIp(A, B);
    o.awaitPing(A, bIp, Duration.ofSeconds(20));
    LabProcess load =
        lab.start(A, "ping-load", List.of("ping", "-D", "-O", "-i", "0.2", "-W", "1", bIp));
    Thread.sleep(5_000);

    lab.nat(NAT1, NatMode.PLAIN);
    lab.nat(NAT2, NatMode.PLAIN);
    for (String nat : List.of(NAT1, NAT2)) {
      for (String port : List.of("3478", "3479")) {
        // exit 1 when nothing matched: fine
        lab.exec(nat, "conntrack", "-D", "-p", "udp", "--orig-port-dst", port);
      }
    }
    System.out.printf("NATs switched to plain at %.3f%n", System.currentTimeMillis() / 1000.0);

    Duration upgrade = o.awaitState(A, B, "direct", UPGRADE);
    o.awaitState(B, A, "direct", Duration.ofSeconds(30));
    for (String[] pair : List.of(new String[] {A, B}, new String[] {B, A})) {
      JsonNode row = peer(o, pair[0], pair[1]);
      assertTrue(
          row.path("path").asText().equals("direct")
              && !row.path("endpoint").asText().startsWith(Overlay.COORD_IP + ":"),
          pair[0] + " should reach " + pair[1] + " directly: " + row);
    }
    Thread.sleep(5_000); // the load keeps running on the direct path
    load.close();
    int[] lost = lostPings(load.stdout());
    System.out.printf(
        "relay -> direct: direct %d ms after the NAT switch; pings sent %d, lost %d%n",
        upgrade.toMillis(), lost[0], lost[1]);
    assertTrue(lost[0] > 100, "the ping load ran: " + lost[0] + " sent");
    assertTrue(lost[1] <= MAX_LOST, "pings lost around the upgrade: " + lost[1]);
  }

  private static JsonNode peer(Overlay o, String node, String name) throws Exception {
    for (JsonNode p : o.peers(node)) {
      if (p.path("name").asText().equals(name)) {
        return p;
      }
    }
    throw new AssertionError(node + " does not list " + name);
  }

  /**
   * {sent, lost} from ping's output: sent = the highest sequence number seen, lost = numbers below
   * it without a reply (the last second is left out: its replies may still be on their way).
   */
  static int[] lostPings(String out) {
    Set<Integer> replied = new TreeSet<>();
    int max = 0;
    for (String line : out.lines().toList()) {
      Matcher seq = SEQ.matcher(line);
      if (seq.find()) {
        max = Math.max(max, Integer.parseInt(seq.group(1)));
      }
      Matcher reply = REPLY.matcher(line);
      if (reply.find()) {
        replied.add(Integer.parseInt(reply.group(1)));
      }
    }
    int counted = Math.max(0, max - 5);
    int lost = 0;
    for (int s = 1; s <= counted; s++) {
      if (!replied.contains(s)) {
        lost++;
      }
    }
    return new int[] {counted, lost};
  }
}
