package dev.gretun.e2e.overlay;

import static dev.gretun.e2e.lab.Lab.A;
import static dev.gretun.e2e.lab.Lab.A2;
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
import dev.gretun.e2e.lab.LabProcess;
import dev.gretun.e2e.lab.NatMode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue #7's six scenarios: real {@code gretun-coord} and {@code gretun up} processes in the netns
 * NAT lab, userspace data plane, pings and TCP through the tunnel.
 */
@ExtendWith(LabExtension.class)
class UpScenariosTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CONNECT = Duration.ofSeconds(30);

  private static Overlay overlay(Lab lab, TestInfo info, NatMode nat1, NatMode nat2)
      throws Exception {
    lab.nat(NAT1, nat1);
    lab.nat(NAT2, nat2);
    lab.flush(NAT1, NAT2);
    Overlay o = new Overlay(lab, info.getTestMethod().orElseThrow().getName());
    o.startCoordinator();
    return o;
  }

  @Test
  void plainNatsGoDirectAndCarryPingAndTcpWithoutThePublicHost(Lab lab, TestInfo info)
      throws Exception {
    Overlay o = overlay(lab, info, NatMode.PLAIN, NatMode.PLAIN);
    o.up(A);
    o.up(B);
    Duration t = o.awaitState(A, B, "direct", CONNECT);
    o.awaitState(B, A, "direct", CONNECT);
    String bIp = o.tunnelIp(A, B);
    assertTrue(o.ping(A, bIp, 5), "ping a -> b through the tunnel");

    JsonNode before = lab.counters();
    lab.start(B, "iperf3-server", List.of("iperf3", "-s", "-1", "--forceflush"))
        .awaitLine("Server listening", Duration.ofSeconds(10));
    Launchers.Result tcp =
        lab.exec(A, "iperf3", "-c", bIp, "-n", "20M", "-J", "--connect-timeout", "5000");
    assertEquals(0, tcp.exit(), tcp.stdout() + tcp.stderr());
    // iperf3's server stops counting at the end-of-test message, so sum_received misses what is
    // still in flight; the sender's total and the router's direct counter (below) are the check.
    long sent = JSON.readTree(tcp.stdout()).at("/end/sum_sent/bytes").asLong();
    long received = JSON.readTree(tcp.stdout()).at("/end/sum_received/bytes").asLong();
    assertTrue(
        sent >= 20L * 1024 * 1024 && received > 0,
        "TCP bytes sent/received: " + sent + "/" + received);
    // The iperf3 client returns with its last bytes still queued: let them cross (bounded).
    JsonNode after = lab.counters();
    long direct = after.at("/direct/bytes").asLong() - before.at("/direct/bytes").asLong();
    for (int i = 0; i < 20 && direct < 20L * 1024 * 1024; i++) {
      Thread.sleep(100);
      after = lab.counters();
      direct = after.at("/direct/bytes").asLong() - before.at("/direct/bytes").asLong();
    }
    long viaPub = after.at("/via_pub/bytes").asLong() - before.at("/via_pub/bytes").asLong();
    assertTrue(direct >= 20L * 1024 * 1024, "a<->b bytes on the direct path: " + direct);
    assertTrue(
        viaPub < 1024 * 1024, "bytes via the coordinator host during the transfer: " + viaPub);
    System.out.printf("plain/plain: direct after %d ms%n", t.toMillis());
  }

  @Test
  void hardNatsGoDirect(Lab lab, TestInfo info) throws Exception {
    Overlay o = overlay(lab, info, NatMode.HARD, NatMode.HARD);
    o.up(A);
    o.up(B);
    o.awaitState(A, B, "direct", CONNECT);
    o.awaitState(B, A, "direct", CONNECT);
    assertTrue(o.ping(A, o.tunnelIp(A, B), 3));
    assertTrue(o.ping(B, o.tunnelIp(B, A), 3));
  }

  @Test
  void twoHostsBehindOneNatBothReachAThird(Lab lab, TestInfo info) throws Exception {
    Overlay o = overlay(lab, info, NatMode.PLAIN, NatMode.PLAIN);
    o.up(A);
    o.up(A2);
    o.up(B);
    o.awaitState(B, A, "direct", CONNECT);
    o.awaitState(B, A2, "direct", CONNECT);
    o.awaitState(A, B, "direct", CONNECT);
    o.awaitState(A2, B, "direct", CONNECT);
    assertTrue(o.ping(B, o.tunnelIp(B, A), 3), "b -> a");
    assertTrue(o.ping(B, o.tunnelIp(B, A2), 3), "b -> a2");
    assertTrue(o.ping(A, o.tunnelIp(A, B), 3), "a -> b");
    assertTrue(o.ping(A2, o.tunnelIp(A2, B), 3), "a2 -> b");
  }

  @Test
  void coordinatorRestartKeepsTheTunnelAndDaemonsResync(Lab lab, TestInfo info) throws Exception {
    Overlay o = overlay(lab, info, NatMode.PLAIN, NatMode.PLAIN);
    o.up(A);
    o.up(B);
    o.awaitState(A, B, "direct", CONNECT);
    String bIp = o.tunnelIp(A, B);
    o.coordinator().close();
    assertTrue(o.ping(A, bIp, 3), "tunnel passes pings while the coordinator is down");
    o.startCoordinator();
    assertTrue(o.ping(A, bIp, 3), "tunnel passes pings after the coordinator restarted");
    // Resync: a node that joins now is learnt by both running daemons through the new coordinator.
    o.up(A2);
    o.awaitState(A, A2, "direct", CONNECT);
    o.awaitState(B, A2, "direct", CONNECT);
    assertTrue(o.ping(B, o.tunnelIp(B, A2), 3));
  }

  @Test
  void conntrackFlushOnBothNatsRecoversOnItsOwn(Lab lab, TestInfo info) throws Exception {
    Overlay o = overlay(lab, info, NatMode.PLAIN, NatMode.PLAIN);
    o.up(A);
    o.up(B);
    o.awaitState(A, B, "direct", CONNECT);
    String bIp = o.tunnelIp(A, B);
    assertTrue(o.ping(A, bIp, 3));
    lab.flush(NAT1, NAT2);
    // Keep traffic flowing the whole time, as a real workload would.
    LabProcess load = lab.start(A, "ping-load", List.of("ping", "-i", "0.5", bIp));
    Duration back = o.awaitPing(A, bIp, Duration.ofSeconds(240));
    load.close();
    assertTrue(o.ping(A, bIp, 3), "stable after recovery");
    System.out.printf("conntrack flush: traffic back after %d ms%n", back.toMillis());
  }

  @Test
  void symmetricNatsOnBothSidesAreReportedAsRelay(Lab lab, TestInfo info) throws Exception {
    Overlay o = overlay(lab, info, NatMode.SYMMETRIC, NatMode.SYMMETRIC);
    LabProcess a = o.up(A, "--punch-timeout", "5s");
    o.up(B, "--punch-timeout", "5s");
    o.awaitState(A, B, "relay", Duration.ofSeconds(40));
    String line = a.awaitLine("peer_relay", Duration.ofSeconds(5));
    assertTrue(line.contains("peer=b") && line.contains("reason="), line);
  }
}
