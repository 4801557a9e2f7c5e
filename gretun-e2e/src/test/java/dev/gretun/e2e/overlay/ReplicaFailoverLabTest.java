package dev.gretun.e2e.overlay;

import static dev.gretun.e2e.lab.Lab.A;
import static dev.gretun.e2e.lab.Lab.A2;
import static dev.gretun.e2e.lab.Lab.B;
import static dev.gretun.e2e.lab.Lab.NAT1;
import static dev.gretun.e2e.lab.Lab.NAT2;
import static dev.gretun.e2e.lab.Lab.PUB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.testing.TestPostgres;
import dev.gretun.e2e.lab.Lab;
import dev.gretun.e2e.lab.LabExtension;
import dev.gretun.e2e.lab.LabProcess;
import dev.gretun.e2e.lab.NatMode;
import dev.gretun.e2e.tls.CoordTlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue #18, node side: two {@code gretun-coord} replicas on one PostgreSQL (in the lab's public
 * namespace, on its loopback), nodes started with {@code --coordinator URL_A,URL_B}. Replica A is
 * killed with SIGKILL while the nodes' long-polls are held there: the nodes move to B, their direct
 * path keeps carrying pings, they keep their tunnel addresses, and a node that joins afterwards
 * (through B) is seen by both and reaches direct with them (peer lists and signalling through B).
 */
@ExtendWith(LabExtension.class)
class ReplicaFailoverLabTest {
  // A first punch that fails (seen in CI: "no pong from 2 candidate(s)" under load) is retried
  // after the 35 s stale-NAT silence; the bound covers one such retry.
  private static final Duration CONNECT = Duration.ofSeconds(120);

  private static final Duration FAILOVER = Duration.ofSeconds(30);
  private static final Pattern PING_SUMMARY =
      Pattern.compile("(\\d+) packets transmitted, (\\d+) received");

  @Test
  void nodesFailOverToTheOtherReplicaWithoutLosingTheirPathsOrAddresses(Lab lab) throws Exception {
    lab.nat(NAT1, NatMode.PLAIN);
    lab.nat(NAT2, NatMode.PLAIN);
    lab.flush(NAT1, NAT2);
    Overlay o = new Overlay(lab, "replicaFailover");
    String ipA = lab.addr(PUB);
    String ipB = lab.addr(PUB, "alt");
    String urlA = "https://" + ipA + ":8443";
    String urlB = "https://" + ipB + ":8443";

    try (TestPostgres pg = TestPostgres.startInNamespace(lab.namespace(PUB))) {
      String store = pg.newDatabase().storeUrl();
      Path password = o.dir().resolve("pgpass");
      Files.writeString(password, TestPostgres.PASSWORD + "\n");
      Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
      CoordTlsFiles tls = CoordTlsFiles.create(o.dir().resolve("tls"), ipA, ipB);
      List<String> storeArgs =
          List.of("--store", store, "--store-password-file", password.toString());
      String stun = ipA + ":3478," + ipB + ":3478";
      LabProcess replicaA = startReplica(lab, "coord-a", ipA, stun, storeArgs, tls);
      LabProcess replicaB = startReplica(lab, "coord-b", ipB, stun, storeArgs, tls);
      o.joinThrough(urlA + "," + urlB, joinKey(lab, storeArgs), tls);

      LabProcess upA = o.up(A);
      LabProcess upB = o.up(B);
      o.awaitState(A, B, "direct", CONNECT);
      o.awaitState(B, A, "direct", CONNECT);
      String aIp = o.tunnelIp(B, A);
      String bIp = o.tunnelIp(A, B);
      // Both registered through A, the first URL; B has seen nothing of them yet.
      replicaA.awaitLine("name=a ", Duration.ofSeconds(5));
      replicaA.awaitLine("name=b ", Duration.ofSeconds(5));
      assertFalse(
          (replicaB.stdout() + replicaB.stderr()).contains("node_registered"), replicaB.report());

      // 100 pings at 0.2 s through the overlay while A dies mid long-poll (holds are 10 s).
      LabProcess pings =
          lab.start(A, "ping-a-b", List.of("ping", "-c", "100", "-i", "0.2", "-W", "1", bIp));
      Thread.sleep(3_000);
      replicaA.kill9();
      for (LabProcess up : List.of(upA, upB)) {
        up.awaitLine(
            "event=coordinator_failover from=" + urlA + " to=" + urlB + " reason=", FAILOVER);
      }
      assertEquals(0, pings.waitFor(Duration.ofSeconds(60)), pings.report());
      int[] sentReceived = pingSummary(pings.stdout());
      assertEquals(100, sentReceived[0], pings.stdout());
      assertTrue(
          sentReceived[1] >= 95,
          "pings through the direct path across the failover: " + pings.stdout());

      assertEquals("direct", o.stateOf(A, B));
      assertEquals("direct", o.stateOf(B, A));
      for (LabProcess up : List.of(upA, upB)) {
        assertTrue(up.isAlive(), up.report());
        assertFalse(up.stderr().contains("tunnel_ip_changed"), up.report());
      }

      // A third node joins; A is still first in its list, so it registers through B.
      LabProcess upA2 = o.up(A2);
      upA2.awaitLine("event=coordinator_failover from=" + urlA + " to=" + urlB, FAILOVER);
      replicaB.awaitLine("name=a2 ", FAILOVER);
      // a2 shares nat1 and port 7777 with a, so nat1 maps it to another port; it must not ping
      // before its STUN flows exist, or its flow to b gets yet another port than the one it
      // posts (docs/DAEMON.md, "Two hosts behind one NAT on the same port").
      for (String node : List.of(A, B)) {
        o.awaitState(node, A2, "direct", CONNECT);
        o.awaitState(A2, node, "direct", CONNECT);
      }
      assertEquals(aIp, o.tunnelIp(A2, A), "a's address as B hands it out");
      assertEquals(bIp, o.tunnelIp(A2, B), "b's address as B hands it out");
      String a2Ip = o.tunnelIp(A, A2);
      assertEquals(a2Ip, o.tunnelIp(B, A2));
      assertTrue(o.ping(A2, bIp, 3), "a2 -> b");
      assertTrue(o.ping(B, a2Ip, 3), "b -> a2");
      assertTrue(o.ping(A, a2Ip, 3), "a -> a2");
      assertEquals(aIp, o.tunnelIp(B, A), "a kept its address");
      assertEquals(bIp, o.tunnelIp(A, B), "b kept its address");
      assertTrue(replicaB.isAlive(), replicaB.report());
    }
  }

  private static LabProcess startReplica(
      Lab lab, String name, String ip, String stun, List<String> storeArgs, CoordTlsFiles tls)
      throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--listen",
                ip + ":8443",
                "--stun-listen",
                ip + ":3478",
                "--stun-advertise",
                stun,
                "--metrics-listen",
                "off",
                "--long-poll",
                "10s"));
    args.addAll(storeArgs);
    args.addAll(tls.coordArgs());
    LabProcess p = lab.startCoord(PUB, name, args.toArray(String[]::new));
    p.awaitLine("coord_listening", Duration.ofSeconds(60));
    return p;
  }

  /** A reusable join key, created in the shared database (through the public namespace). */
  private static String joinKey(Lab lab, List<String> storeArgs) throws Exception {
    List<String> args = new ArrayList<>(List.of("keys", "create", "--reusable", "--json"));
    args.addAll(storeArgs);
    LabProcess keys = lab.startCoord(PUB, "keys-create", args.toArray(String[]::new));
    assertEquals(0, keys.waitFor(Duration.ofSeconds(60)), keys.report());
    return new ObjectMapper().readTree(keys.stdout()).get("key").asText();
  }

  /** {transmitted, received} from ping's summary line. */
  private static int[] pingSummary(String stdout) {
    Matcher m = PING_SUMMARY.matcher(stdout);
    assertTrue(m.find(), "no ping summary in: " + stdout);
    return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
  }
}
