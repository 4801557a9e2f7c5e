package dev.gretun.e2e.relay;

import static dev.gretun.e2e.lab.Lab.A;
import static dev.gretun.e2e.lab.Lab.B;
import static dev.gretun.e2e.lab.Lab.INET;
import static dev.gretun.e2e.lab.Lab.NAT1;
import static dev.gretun.e2e.lab.Lab.NAT2;
import static dev.gretun.e2e.lab.Lab.PUB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.e2e.Launchers;
import dev.gretun.e2e.lab.Lab;
import dev.gretun.e2e.lab.LabExtension;
import dev.gretun.e2e.lab.LabProcess;
import dev.gretun.e2e.lab.NatMode;
import dev.gretun.e2e.overlay.Overlay;
import dev.gretun.e2e.trust.GreForge;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue #15 tests 1 and 5: both hosts behind symmetric NATs (no direct path) talk through the
 * coordinator's data relay (userspace plane, real processes); an attacker process on the internet
 * router cannot get packets forwarded to b without a valid binding.
 */
@ExtendWith(LabExtension.class)
class RelayLabTest {
  private static final Duration CONNECT = Duration.ofSeconds(60);
  private static final String RELAY = Overlay.COORD_IP + ":" + Overlay.RELAY_PORT;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int COUNT = 100;

  private static Overlay symmetricPair(Lab lab, TestInfo info, String... upArgs) throws Exception {
    lab.nat(NAT1, NatMode.SYMMETRIC);
    lab.nat(NAT2, NatMode.SYMMETRIC);
    lab.flush(NAT1, NAT2);
    Overlay o = new Overlay(lab, info.getTestMethod().orElseThrow().getName());
    o.startCoordinator();
    o.up(A, upArgs);
    o.up(B, upArgs);
    return o;
  }

  /** Waits until {@code node} shows {@code peer} on path {@code relay} through our relay. */
  static Duration awaitRelayed(Overlay o, String node, String peer) throws Exception {
    long start = System.nanoTime();
    long deadline = start + CONNECT.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      for (JsonNode p : o.peers(node)) {
        if (p.path("name").asText().equals(peer)) {
          last = p;
          if (p.path("path").asText().equals("relay")
              && p.path("endpoint").asText().equals(RELAY)) {
            return Duration.ofNanos(System.nanoTime() - start);
          }
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError(node + " never showed " + peer + " relayed; last: " + last);
  }

  @Test
  void bothSymmetricGoThroughTheRelay(Lab lab, TestInfo info) throws Exception {
    Overlay o = symmetricPair(lab, info, "--punch-timeout", "5s");
    LabProcess a = lab.processes().stream().filter(p -> p.name().equals("up-a")).findFirst().get();
    Duration t = awaitRelayed(o, A, B);
    awaitRelayed(o, B, A);
    String bIp = o.tunnelIp(A, B);
    Duration firstPing = o.awaitPing(A, bIp, Duration.ofSeconds(20));
    assertTrue(o.ping(A, bIp, 5), "ping a -> b through the relay");

    // 8 MiB of random bytes over one TCP connection through the relay, checked by SHA-256.
    Path src = o.dir().resolve("tcp-src.bin");
    Path dst = o.dir().resolve("tcp-dst.bin");
    byte[] data = new byte[8 << 20];
    new java.util.Random(7).nextBytes(data);
    Files.write(src, data);
    long relayedBefore = relayMetric(lab, "gretun_coord_relay_bytes_total");
    LabProcess sink = lab.start(B, "tcp-sink", List.of("sh", "-c", "exec nc -l 5001 > " + dst));
    Thread.sleep(500);
    Launchers.Result send = lab.exec(A, "sh", "-c", "nc -N -w 10 " + bIp + " 5001 < " + src);
    assertEquals(0, send.exit(), "nc a -> b: " + send.stderr());
    assertEquals(0, sink.waitFor(Duration.ofSeconds(30)), "nc on b");
    assertEquals(sha256(src), sha256(dst), "the bytes b received are the bytes a sent");
    long relayed = relayMetric(lab, "gretun_coord_relay_bytes_total") - relayedBefore;
    assertTrue(relayed >= data.length, "bytes the relay forwarded during the transfer: " + relayed);

    // Punching fails behind two symmetric NATs; the log says the traffic is relayed, not dropped.
    String line = a.awaitLine("peer_no_path", Duration.ofSeconds(30));
    assertTrue(line.contains("path=relay") && line.contains("relay=" + RELAY), line);
    System.out.printf(
        "symmetric/symmetric: relay path after %d ms, first ping %d ms later%n",
        t.toMillis(), firstPing.toMillis());
  }

  @Test
  void attackersGetNothingForwarded(Lab lab, TestInfo info) throws Exception {
    Overlay o = symmetricPair(lab, info, "--punch-timeout", "5s");
    awaitRelayed(o, A, B);
    awaitRelayed(o, B, A);
    String aIp = o.tunnelIp(B, A);
    String bIp = o.tunnelIp(A, B);
    o.awaitPing(A, bIp, Duration.ofSeconds(20));

    // The attacker's knowledge: the pair key (sniffed at b while traffic flows), a bind of a's
    // (captured on the relay's host), a's public port at the relay (from the relay's log).
    LabProcess sniffKey = java(lab, B, GreForge.class, "sniff-key", Overlay.COORD_IP, "7777", "20");
    sniffKey.awaitLine("listening", Duration.ofSeconds(20));
    LabProcess sniffBind =
        java(
            lab,
            PUB,
            RelayForge.class,
            "sniff-bind",
            Integer.toString(Overlay.RELAY_PORT),
            lab.addr(NAT1),
            "40");
    sniffBind.awaitLine("listening", Duration.ofSeconds(20));
    assertTrue(o.ping(A, bIp, 3), "traffic for the sniffer");
    String key = value(sniffKey.awaitLine("key=", Duration.ofSeconds(20)), "key");
    String bind = value(sniffBind.awaitLine("bind=", Duration.ofSeconds(40)), "bind");
    String aSource = o.coordinator().awaitLine("source=203.0.113.10:", Duration.ofSeconds(5));
    Matcher m = Pattern.compile("source=203\\.0\\.113\\.10:(\\d+)").matcher(aSource);
    assertTrue(m.find(), aSource);
    String aPort = m.group(1);

    countTunDeliveries(lab, "unbound=9001", "spoofed=9002", "replayed=9003", "badsig=9004");
    long unboundBefore = relayMetric(lab, "gretun_coord_relay_packets_total{result=\"unbound\"}");
    String relayIp = Overlay.COORD_IP;
    String relayPort = Integer.toString(Overlay.RELAY_PORT);
    String n = Integer.toString(COUNT);
    // 1. not bound: GRE with the right key and inner source from an unbound socket
    run(lab, INET, "gre-from", "0", relayIp, relayPort, key, aIp, bIp, "9001", n);
    // 2. a's public port number, from another address
    run(lab, INET, "gre-from", aPort, relayIp, relayPort, key, aIp, bIp, "9002", n);
    // 3. a's captured bind replayed from the attacker's address, then GRE from there
    run(lab, INET, "bind-then-gre", "replay", bind, relayIp, relayPort, key, aIp, bIp, "9003", n);
    // 4. the captured bind with a fresh timestamp: the signature no longer matches
    run(
        lab,
        INET,
        "bind-then-gre",
        "bad-signature",
        bind,
        relayIp,
        relayPort,
        key,
        aIp,
        bIp,
        "9004",
        n);
    Thread.sleep(500);

    for (String c : List.of("unbound", "spoofed", "replayed", "badsig")) {
      assertEquals(0, delivered(lab, c), c + ": packets b's TUN delivered");
    }
    long unbound =
        relayMetric(lab, "gretun_coord_relay_packets_total{result=\"unbound\"}") - unboundBefore;
    assertTrue(unbound >= 4L * COUNT, "datagrams the relay refused as unbound: " + unbound);
    assertTrue(relayMetric(lab, "gretun_coord_relay_binds_total{result=\"replayed\"}") >= 1);
    assertTrue(relayMetric(lab, "gretun_coord_relay_binds_total{result=\"bad_signature\"}") >= 1);
    assertTrue(o.ping(A, bIp, 3), "the genuine pair still talks through the relay");
  }

  private static String value(String line, String name) {
    Matcher m = Pattern.compile(name + "=([0-9a-f]+)").matcher(line);
    assertTrue(m.find(), line);
    return m.group(1);
  }

  private static void run(Lab lab, String node, String... args) throws Exception {
    LabProcess p = java(lab, node, RelayForge.class, args);
    assertEquals(0, p.waitFor(Duration.ofSeconds(60)), "RelayForge " + args[0] + "\n" + p.report());
    assertTrue(p.stdout().contains("sent="), p.report());
  }

  /** A main of the test classpath, with gretun.jar for the core classes, inside {@code node}. */
  private static LabProcess java(Lab lab, String node, Class<?> main, String... args)
      throws Exception {
    String classes =
        Path.of(main.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                classes + ":" + Launchers.jarDir().resolve("gretun.jar"),
                main.getName()));
    cmd.addAll(Arrays.asList(args));
    return lab.start(node, "forge-" + args[0], cmd);
  }

  /** nft counters in b's namespace for UDP arriving from its TUN device, by destination port. */
  private static void countTunDeliveries(Lab lab, String... namePorts) throws Exception {
    StringBuilder rules =
        new StringBuilder("table ip grelay {}\ndelete table ip grelay\ntable ip grelay {\n");
    for (String np : namePorts) {
      rules.append("  counter ").append(np.split("=")[0]).append(" {}\n");
    }
    rules.append("  chain pre {\n    type filter hook prerouting priority -400; policy accept;\n");
    for (String np : namePorts) {
      String[] kv = np.split("=");
      rules.append("    iifname \"gretun0\" udp dport ").append(kv[1]);
      rules.append(" counter name \"").append(kv[0]).append("\"\n");
    }
    rules.append("  }\n}\n");
    Launchers.Result r = lab.exec(B, "sh", "-c", "printf '%s' \"$0\" | nft -f -", rules.toString());
    assertEquals(0, r.exit(), "nft: " + r.stderr() + "\n" + rules);
  }

  private static long delivered(Lab lab, String counter) throws Exception {
    Launchers.Result r = lab.exec(B, "nft", "-j", "list", "counter", "ip", "grelay", counter);
    assertEquals(0, r.exit(), "nft list counter: " + r.stderr());
    for (JsonNode n : JSON.readTree(r.stdout()).path("nftables")) {
      if (n.has("counter")) {
        return n.path("counter").path("packets").asLong();
      }
    }
    throw new AssertionError("no counter in " + r.stdout());
  }

  /** One sample of the coordinator's metrics listener (loopback in the public host). */
  private static long relayMetric(Lab lab, String sample) throws Exception {
    Launchers.Result r = lab.exec(PUB, "curl", "-sf", "http://127.0.0.1:9465/metrics");
    assertEquals(0, r.exit(), "coordinator metrics: " + r.stderr());
    for (String line : r.stdout().lines().toList()) {
      if (line.startsWith(sample + " ")) {
        return (long) Double.parseDouble(line.substring(sample.length() + 1).strip());
      }
    }
    throw new AssertionError("no " + sample + " in\n" + r.stdout());
  }

  private static String sha256(Path file) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
