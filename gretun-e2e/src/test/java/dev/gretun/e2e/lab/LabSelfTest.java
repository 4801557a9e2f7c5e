package dev.gretun.e2e.lab;

import static dev.gretun.e2e.lab.Lab.A;
import static dev.gretun.e2e.lab.Lab.B;
import static dev.gretun.e2e.lab.Lab.INET;
import static dev.gretun.e2e.lab.Lab.NAT1;
import static dev.gretun.e2e.lab.Lab.NAT2;
import static dev.gretun.e2e.lab.Lab.PUB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gretun.e2e.Launchers;
import dev.gretun.e2e.lab.UdpProbes.Datagram;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The lab's own acceptance (issue #5): isolation, each NAT mode observed with UDP probes from
 * {@code a} to two public IPs/ports, the measured plain-masquerade fact, timeouts, flush, port
 * forward and counters. Every test sets the NAT modes it relies on.
 */
@ExtendWith(LabExtension.class)
class LabSelfTest {
  private static final String PUB1 = "192.0.2.10";
  private static final String PUB2 = "192.0.2.11";
  private static final String NAT1_WAN = "203.0.113.10";
  private static final String NAT2_WAN = "198.51.100.10";

  /** Four echo sockets on two public IPs: the primary and three "third parties". */
  private static final String[] ECHO = {
    PUB1 + ":3478", PUB1 + ":3479", PUB2 + ":3478", PUB2 + ":3479"
  };

  private static final int WAIT_MS = 1000;

  @Test
  void labIsIsolatedFromTheRootNamespaceAndTheRealInternet(Lab lab) throws Exception {
    assertTrue(lab.script("selfcheck").stdout().contains("selfcheck: ok"));
    Launchers.Result root = Lab.run(List.of("ip", "-d", "-o", "link", "show"), java.util.Map.of());
    assertEquals(0, root.exit(), root.stderr());
    assertTrue(!root.stdout().contains("link-netns " + lab.prefix()), root.stdout());
    assertEquals(
        "unreachable default", lab.exec(INET, "ip", "route", "show", "default").stdout().strip());

    long outsideBefore = lab.counters().at("/counters/outside/packets").asLong();
    Launchers.Result ping = lab.exec(A, "ping", "-c1", "-W1", "9.9.9.9");
    assertNotEquals(0, ping.exit(), "a reached an address outside the lab: " + ping.stdout());
    assertTrue(lab.counters().at("/counters/outside/packets").asLong() > outsideBefore);
  }

  @Test
  void selfcheckNoticesALinkIntoTheRootNamespace(Lab lab) throws Exception {
    String leak = "gtlleak" + (ProcessHandle.current().pid() % 100000);
    Launchers.Result add =
        Lab.run(
            List.of(
                "ip",
                "link",
                "add",
                "name",
                leak,
                "type",
                "veth",
                "peer",
                "name",
                "leak",
                "netns",
                lab.namespace(A)),
            java.util.Map.of());
    assertEquals(0, add.exit(), add.stderr());
    try {
      Launchers.Result check =
          Lab.run(
              List.of(Lab.script().toString(), "--prefix", lab.prefix(), "selfcheck"),
              java.util.Map.of());
      assertEquals(1, check.exit(), check.stdout());
      assertTrue(check.stderr().contains("veth peer is not in the lab"), check.stderr());
    } finally {
      Lab.run(List.of("ip", "link", "del", leak), java.util.Map.of());
    }
    assertTrue(lab.script("selfcheck").stdout().contains("selfcheck: ok"));
  }

  @Test
  void plainMappingIsEndpointIndependentAndFiltersThirdParties(Lab lab) throws Exception {
    lab.nat(NAT1, NatMode.PLAIN);
    lab.flush(NAT1);
    UdpProbes.startEcho(lab, PUB, null, ECHO);

    List<Datagram> mapped = UdpProbes.send(lab, A, 40001, "probe", WAIT_MS, ECHO[0], ECHO[3]);
    assertEquals(Set.of(40001), seenPorts(mapped), "same public port for both destinations");
    assertEquals(Set.of(NAT1_WAN), seenIps(mapped));

    List<Datagram> filtered = UdpProbes.send(lab, A, 40002, "probe other", WAIT_MS, ECHO[0]);
    assertEquals(List.of(ECHO[0]), senders(filtered), "third parties must be filtered");
  }

  @Test
  void hardDropsThirdPartiesLikePlain(Lab lab) throws Exception {
    lab.nat(NAT1, NatMode.HARD);
    assertEquals(NatMode.HARD, lab.natMode(NAT1));
    lab.flush(NAT1);
    UdpProbes.startEcho(lab, PUB, null, ECHO);

    List<Datagram> mapped = UdpProbes.send(lab, A, 40021, "probe", WAIT_MS, ECHO[0], ECHO[3]);
    assertEquals(Set.of(40021), seenPorts(mapped));
    List<Datagram> filtered = UdpProbes.send(lab, A, 40022, "probe other", WAIT_MS, ECHO[0]);
    assertEquals(List.of(ECHO[0]), senders(filtered));
  }

  @Test
  void coneLetsAnyThirdPartyReachAnExistingMapping(Lab lab) throws Exception {
    lab.nat(NAT1, NatMode.CONE);
    lab.flush(NAT1);
    UdpProbes.startEcho(lab, PUB, null, ECHO);

    List<Datagram> got = UdpProbes.send(lab, A, 40003, "probe other", WAIT_MS, ECHO[0]);
    assertEquals(Set.of(ECHO), Set.copyOf(senders(got)), "all four sockets reach a: " + got);
    assertEquals(Set.of(40003), seenPorts(got));

    // Without an outbound mapping the cone NAT admits nothing.
    LabProcess listener =
        lab.startJava(
            A, "listen", UdpProbe.class, "send", "--bind", "0.0.0.0:40004", "--wait-ms", "3000");
    listener.awaitLine("bound", Duration.ofSeconds(30));
    UdpProbes.send(lab, PUB, 5004, "hello", 0, NAT1_WAN + ":40004");
    assertEquals(0, listener.waitFor(Duration.ofSeconds(30)));
    assertEquals(List.of(), UdpProbes.parse(listener.stdout()), listener.report());
  }

  @Test
  void symmetricGivesEachDestinationItsOwnPort(Lab lab) throws Exception {
    lab.nat(NAT1, NatMode.SYMMETRIC);
    lab.flush(NAT1);
    UdpProbes.startEcho(lab, PUB, null, ECHO);

    List<Datagram> mapped =
        UdpProbes.send(lab, A, 40005, "probe", WAIT_MS, ECHO[0], ECHO[1], ECHO[2]);
    assertEquals(3, mapped.size(), mapped.toString());
    // fully-random draws each port at random: three equal draws would be a 1-in-2^32 event.
    assertTrue(seenPorts(mapped).size() >= 2, "mapping must depend on destination: " + mapped);

    List<Datagram> filtered = UdpProbes.send(lab, A, 40006, "probe other", WAIT_MS, ECHO[0]);
    assertEquals(List.of(ECHO[0]), senders(filtered));
  }

  /**
   * docs/NAT-TRAVERSAL.md §3.1: with plain masquerade an unsolicited datagram to a NAT's public
   * port creates a conntrack entry there, and a later outbound mapping of the host behind it for
   * the same tuple gets another (random) port.
   */
  @Test
  void plainUnsolicitedInboundPoisonsTheTuple(Lab lab) throws Exception {
    lab.nat(NAT2, NatMode.PLAIN);
    lab.flush(NAT2);
    LabProcess echo = UdpProbes.startEcho(lab, PUB, NAT2_WAN + ":40010", PUB1 + ":5010");
    assertTrue(
        entryTo(lab, NAT2, "dport=40010"),
        "unsolicited inbound must leave an entry: " + lab.conntrackUdp(NAT2));

    List<Datagram> got = UdpProbes.send(lab, B, 40010, "probe", WAIT_MS, PUB1 + ":5010");
    assertEquals(1, got.size(), got.toString() + echo.report());
    assertNotEquals(40010, got.getFirst().seenPort(), "the clashing tuple forces another port");
  }

  @Test
  void hardUnsolicitedInboundCreatesNothing(Lab lab) throws Exception {
    lab.nat(NAT2, NatMode.HARD);
    lab.flush(NAT2);
    UdpProbes.startEcho(lab, PUB, NAT2_WAN + ":40011", PUB1 + ":5011");
    assertTrue(!entryTo(lab, NAT2, "dport=40011"), lab.conntrackUdp(NAT2).toString());

    List<Datagram> got = UdpProbes.send(lab, B, 40011, "probe", WAIT_MS, PUB1 + ":5011");
    assertEquals(1, got.size(), got.toString());
    assertEquals(40011, got.getFirst().seenPort(), "nothing poisoned: the port is kept");
    lab.nat(NAT2, NatMode.PLAIN);
  }

  @Test
  void timeoutsApplyPerNatAndFlushEmptiesConntrack(Lab lab) throws Exception {
    lab.nat(NAT1, NatMode.PLAIN);
    lab.timeouts(NAT1, 7, 60);
    try {
      assertEquals("7 60", lab.script("timeouts", NAT1).stdout().strip());
      assertEquals("30 120", lab.script("timeouts", NAT2).stdout().strip(), "nat2 unaffected");
      UdpProbes.send(lab, A, 40030, "probe", 0, PUB1 + ":5999");
      String entry =
          lab.conntrackUdp(NAT1).stream()
              .filter(l -> l.contains("dport=5999"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no entry for the probe"));
      int remaining = Integer.parseInt(entry.trim().split("\\s+")[2]);
      assertTrue(remaining <= 7, "unreplied timeout of 7 s not applied: " + entry);

      lab.flush(NAT1);
      assertTrue(!entryTo(lab, NAT1, "dport=5999"), lab.conntrackUdp(NAT1).toString());
    } finally {
      lab.timeouts(NAT1, 30, 120);
    }
  }

  @Test
  void portForwardReachesTheHostBehindTheNat(Lab lab) throws Exception {
    lab.nat(NAT2, NatMode.HARD);
    lab.forward(NAT2, "udp", 4500, B, 5500);
    try {
      UdpProbes.startEcho(lab, B, null, "0.0.0.0:5500");
      List<Datagram> got = UdpProbes.send(lab, PUB, 5501, "probe", WAIT_MS, NAT2_WAN + ":4500");
      assertEquals(List.of(NAT2_WAN + ":4500"), senders(got));
      assertEquals(PUB1, got.getFirst().seenIp(), "b sees pub's real address");
    } finally {
      lab.script("forward", NAT2, "clear");
      lab.nat(NAT2, NatMode.PLAIN);
    }
  }

  @Test
  void countersTellDirectTrafficFromTrafficViaPub(Lab lab) throws Exception {
    lab.nat(NAT1, NatMode.PLAIN);
    lab.nat(NAT2, NatMode.PLAIN);
    JsonNode before = lab.counters();
    assertEquals(lab.prefix(), before.get("prefix").asText());
    assertEquals(0, lab.exec(A, "ping", "-c3", "-i0.2", "-W1", NAT2_WAN).exit());
    JsonNode mid = lab.counters();
    assertEquals(6, packets(mid, "direct") - packets(before, "direct"), mid.toString());
    assertEquals(
        3, packets(mid, "counters/nat1_to_nat2") - packets(before, "counters/nat1_to_nat2"));
    assertEquals(packets(before, "via_pub"), packets(mid, "via_pub"));

    assertEquals(0, lab.exec(A, "ping", "-c2", "-i0.2", "-W1", PUB1).exit());
    JsonNode after = lab.counters();
    assertEquals(4, packets(after, "via_pub") - packets(mid, "via_pub"), after.toString());
    assertEquals(2, packets(after, "counters/pub_to_nat1") - packets(mid, "counters/pub_to_nat1"));
    assertEquals(packets(mid, "direct"), packets(after, "direct"));
    assertTrue(packets(after, "direct") > 0 && after.at("/direct/bytes").asLong() > 0);
  }

  @Test
  void labProcessRunsOurJarsInsideANode(Lab lab) throws Exception {
    LabProcess version = lab.startGretun(A, "gretun-version", "version", "--json");
    assertEquals(0, version.waitFor(Duration.ofSeconds(60)), version.report());
    assertTrue(version.stdout().contains("\"java_version\""), version.report());
    LabProcess coord = lab.startCoord(PUB, "coord-version", "--version");
    assertEquals(0, coord.waitFor(Duration.ofSeconds(60)), coord.report());
    assertTrue(coord.stdoutFile().startsWith(lab.logDir()), coord.stdoutFile().toString());
  }

  @Test
  void labProcessCloseKillsTheWholeTree(Lab lab) throws Exception {
    LabProcess tree =
        lab.start(A, "tree", List.of("bash", "-c", "sleep 300 & sleep 300 & echo started; wait"));
    tree.awaitLine("started", Duration.ofSeconds(10));
    List<ProcessHandle> children = ProcessHandle.of(tree.pid()).orElseThrow().children().toList();
    assertEquals(2, children.size(), tree.report());
    tree.close();
    for (ProcessHandle child : children) {
      child.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
    }
    assertTrue(!tree.isAlive());
  }

  private static long packets(JsonNode counters, String path) {
    JsonNode n = counters.at("/" + path + "/packets");
    assertTrue(n.isNumber(), "no " + path + " in " + counters);
    return n.asLong();
  }

  private static boolean entryTo(Lab lab, String node, String needle) throws Exception {
    return lab.conntrackUdp(node).stream().anyMatch(l -> l.contains(needle));
  }

  private static Set<Integer> seenPorts(List<Datagram> got) {
    return got.stream().map(Datagram::seenPort).collect(Collectors.toSet());
  }

  private static Set<String> seenIps(List<Datagram> got) {
    return got.stream().map(Datagram::seenIp).collect(Collectors.toSet());
  }

  private static List<String> senders(List<Datagram> got) {
    return got.stream().map(Datagram::from).toList();
  }
}
