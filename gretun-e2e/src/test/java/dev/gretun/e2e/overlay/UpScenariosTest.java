package dev.gretun.e2e.overlay;

import static dev.gretun.e2e.lab.Lab.A;
import static dev.gretun.e2e.lab.Lab.A2;
import static dev.gretun.e2e.lab.Lab.B;
import static dev.gretun.e2e.lab.Lab.NAT1;
import static dev.gretun.e2e.lab.Lab.NAT2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gretun.core.metrics.Exposition;
import dev.gretun.e2e.Launchers;
import dev.gretun.e2e.lab.Lab;
import dev.gretun.e2e.lab.LabExtension;
import dev.gretun.e2e.lab.LabProcess;
import dev.gretun.e2e.lab.NatMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue #7's six scenarios: real {@code gretun-coord} and {@code gretun up} processes in the netns
 * NAT lab, userspace data plane, pings and TCP through the tunnel.
 */
@ExtendWith(LabExtension.class)
class UpScenariosTest {
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
    o.up(B, "--metrics-addr", "127.0.0.1:9464");
    Duration t = o.awaitState(A, B, "direct", CONNECT);
    o.awaitState(B, A, "direct", CONNECT);
    String bIp = o.tunnelIp(A, B);
    assertTrue(o.ping(A, bIp, 5), "ping a -> b through the tunnel");

    // 20 MiB of random bytes over one TCP connection through the tunnel, checked by SHA-256.
    Path src = o.dir().resolve("tcp-src.bin");
    Path dst = o.dir().resolve("tcp-dst.bin");
    byte[] data = new byte[20 << 20];
    new java.util.Random(7).nextBytes(data);
    Files.write(src, data);
    JsonNode before = lab.counters();
    LabProcess sink = lab.start(B, "tcp-sink", List.of("sh", "-c", "exec nc -l 5001 > " + dst));
    Thread.sleep(500);
    Launchers.Result send = lab.exec(A, "sh", "-c", "nc -N -w 10 " + bIp + " 5001 < " + src);
    assertEquals(0, send.exit(), "nc a -> b: " + send.stderr());
    assertEquals(0, sink.waitFor(Duration.ofSeconds(20)), "nc on b");
    assertEquals(sha256(src), sha256(dst), "the bytes b received are the bytes a sent");
    JsonNode after = lab.counters();
    long direct = after.at("/direct/bytes").asLong() - before.at("/direct/bytes").asLong();
    assertTrue(direct >= data.length, "a<->b bytes on the direct path: " + direct);
    long viaPub = after.at("/via_pub/bytes").asLong() - before.at("/via_pub/bytes").asLong();
    assertTrue(direct >= 20L * 1024 * 1024, "a<->b bytes on the direct path: " + direct);
    assertTrue(
        viaPub < 1024 * 1024, "bytes via the coordinator host during the transfer: " + viaPub);
    // b's data plane joined the arriving segments into super-packets for the TUN device.
    Launchers.Result metrics =
        lab.exec(B, "curl", "-sf", "--max-time", "5", "http://127.0.0.1:9464/metrics");
    assertEquals(0, metrics.exit(), metrics.stderr());
    double coalesced =
        Exposition.parse(metrics.stdout())
            .value("gretun_dataplane_rx_coalesced_segments_total")
            .orElseThrow(() -> new AssertionError(metrics.stdout()));
    assertTrue(coalesced > 0, "b coalesced no received TCP segments");
    System.out.printf(
        "plain/plain: direct after %d ms; b coalesced %.0f segments%n", t.toMillis(), coalesced);
  }

  private static String sha256(Path file) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
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

  /**
   * An operator starts a second daemon on a host whose port P is taken: it fails at once with a
   * message that says what to do (the data plane opens beside the registration, so the error is the
   * data plane's, not a hang), and the first daemon's tunnel keeps working.
   */
  @Test
  void secondDaemonOnBusyPortFails(Lab lab, TestInfo info) throws Exception {
    Overlay o = overlay(lab, info, NatMode.PLAIN, NatMode.PLAIN);
    o.up(A);
    o.up(B);
    o.awaitState(A, B, "direct", CONNECT);
    LabProcess second = o.upAs(A, "a-second", Map.of(), "--tun-name", "gretun9");
    assertEquals(1, second.waitFor(Duration.ofSeconds(60)), second.report());
    assertTrue(
        second.stderr().contains("UDP port 7777 is in use") && second.stderr().contains("--port"),
        second.report());
    assertEquals(
        1, lab.exec(A, "ip", "link", "show", "gretun9").exit(), "no TUN device left behind");
    assertTrue(o.ping(A, o.tunnelIp(A, B), 3), "the first daemon's tunnel still works");
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
    // docs/DAEMON.md "Recovery after a NAT flush": the loss is found ~12 s after the flush and
    // traffic goes through the coordinator's data relay at once; direct comes back after the
    // stale-NAT silence (35 s, or 95 s when a NAT moved a port) and one punch.
    Duration back = o.awaitPing(A, bIp, Duration.ofSeconds(60));
    assertTrue(o.ping(A, bIp, 3), "stable through the relay");
    Instant relayed = Instant.now();
    o.awaitState(A, B, "direct", Duration.ofSeconds(150));
    o.awaitState(B, A, "direct", Duration.ofSeconds(30));
    load.close();
    assertTrue(o.ping(A, bIp, 3), "stable after direct is back");
    System.out.printf(
        "conntrack flush: traffic back after %d ms (relay), direct %d s later%n",
        back.toMillis(), Duration.between(relayed, Instant.now()).toSeconds());
  }

  @Test
  void symmetricNatsOnBothSidesAreReportedAsNoPath(Lab lab, TestInfo info) throws Exception {
    Overlay o = overlay(lab, info, NatMode.SYMMETRIC, NatMode.SYMMETRIC);
    LabProcess a = o.up(A, "--punch-timeout", "5s");
    o.up(B, "--punch-timeout", "5s");
    o.awaitState(A, B, "no_path", Duration.ofSeconds(40));
    String line = a.awaitLine("peer_no_path", Duration.ofSeconds(5));
    assertTrue(line.contains("peer=b") && line.contains("reason="), line);
  }
}
