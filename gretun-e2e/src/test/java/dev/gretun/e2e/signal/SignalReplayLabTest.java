package dev.gretun.e2e.signal;

import static dev.gretun.e2e.lab.Lab.A;
import static dev.gretun.e2e.lab.Lab.B;
import static dev.gretun.e2e.lab.Lab.NAT1;
import static dev.gretun.e2e.lab.Lab.NAT2;
import static dev.gretun.e2e.lab.Lab.PUB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.os.Namespaces;
import dev.gretun.core.os.PacketSocket;
import dev.gretun.core.wire.bpf.DiscoStunFilter;
import dev.gretun.core.wire.disco.DiscoEnvelope;
import dev.gretun.core.wire.ip.CapturedDatagram;
import dev.gretun.e2e.Launchers;
import dev.gretun.e2e.lab.Lab;
import dev.gretun.e2e.lab.LabExtension;
import dev.gretun.e2e.lab.LabProcess;
import dev.gretun.e2e.lab.NatMode;
import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue #13 attack 3, for real in the netns lab (userspace plane): a and b go direct, b's
 * coordinator traffic passes a {@link CuriousRelay} that keeps the sealed call_me_maybe a relays,
 * and a packet socket in b's namespace records a's pings. Then: the call_me_maybe is replayed over
 * UDP to b's public endpoint from the public host, a captured ping is replayed from there, and the
 * relay re-delivers the stored call_me_maybe. b refuses each (counted in {@code
 * gretun_disco_refused_total}), answers the attacker nothing, and the path stays direct with pings
 * flowing. nat2 runs in cone mode so the attacker's datagrams really reach b.
 */
@ExtendWith(LabExtension.class)
class SignalReplayLabTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COORD_IP = "192.0.2.10";
  private static final String ATTACKER_IP = "192.0.2.11";
  private static final String METRICS = "http://127.0.0.1:9464/metrics";
  private static final Duration CONNECT = Duration.ofSeconds(30);

  private record Captured(long at, byte[] payload) {}

  @Test
  void replayedSignallingNeitherBreaksNorSteersADirectPath(Lab lab) throws Exception {
    lab.nat(NAT1, NatMode.PLAIN);
    lab.nat(NAT2, NatMode.CONE);
    lab.flush(NAT1, NAT2);
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "signal-replay");
    String authKey = startCoordinator(lab, dir);
    lab.startJava(
            PUB,
            "curious-relay",
            CuriousRelay.class,
            COORD_IP,
            "8444",
            "http://" + COORD_IP + ":8443",
            dir.toString())
        .awaitLine("curious_relay_listening", Duration.ofSeconds(20));

    List<Captured> captured = new ArrayList<>();
    PacketSocket tap =
        Namespaces.inNetns(
            Namespaces.named(lab.namespace(B)),
            () -> PacketSocket.open(DiscoStunFilter.program(7777), Duration.ofMillis(200)));
    Thread capture = Thread.ofPlatform().name("capture-b").start(() -> capture(tap, captured));
    try (DatagramSocket attacker =
        Namespaces.inNetns(
            Namespaces.named(lab.namespace(PUB)),
            () -> new DatagramSocket(new InetSocketAddress(ATTACKER_IP, 40000)))) {
      up(lab, dir, A, authKey, "8443");
      up(lab, dir, B, authKey, "8444", "--metrics-addr", "127.0.0.1:9464");
      awaitState(dir, A, "b", "direct", CONNECT);
      awaitState(dir, B, "a", "direct", CONNECT);
      String bIp = peer(dir, A, "b").path("tunnel_ip").asText();
      String bPublic = peer(dir, A, "b").path("endpoint").asText();
      String aDisco = peer(dir, B, "a").path("key").asText();
      assertPathHolds(lab, dir, bIp);

      // (1) The captured call_me_maybe over UDP to b's public endpoint, from the public host.
      String cmm = capturedEnvelope(dir, aDisco);
      byte[] cmmSealed = Base64.getDecoder().decode(field(cmm, "sealed"));
      InetSocketAddress bAt = endpoint(bPublic);
      for (int i = 0; i < 3; i++) {
        attacker.send(new DatagramPacket(cmmSealed, cmmSealed.length, bAt));
        Thread.sleep(300);
      }
      awaitRefused(lab, "call_me_maybe_udp", 3);
      assertPathHolds(lab, dir, bIp);

      // (2) a's latest ping to b, replayed from the attacker's address: refused, no pong.
      byte[] ping = latestPing(captured, Base64.getDecoder().decode(aDisco));
      long replayedBefore = refused(lab, "replayed");
      for (int i = 0; i < 3; i++) {
        attacker.send(new DatagramPacket(ping, ping.length, bAt));
        Thread.sleep(300);
      }
      awaitRefused(lab, "replayed", replayedBefore + 3);
      attacker.setSoTimeout(3000);
      assertThrows(
          SocketTimeoutException.class,
          () -> attacker.receive(new DatagramPacket(new byte[2048], 2048)),
          "b answered the replayed ping's source (a planted candidate)");
      assertPathHolds(lab, dir, bIp);

      // (3) The stored call_me_maybe re-delivered by the (curious) coordinator.
      long before = refused(lab, "replayed") + refused(lab, "stale");
      Path tmp = dir.resolve("replay-request.tmp");
      Files.writeString(tmp, cmm);
      Files.move(tmp, dir.resolve("replay-request"), StandardCopyOption.ATOMIC_MOVE);
      awaitFile(dir.resolve("replay-done"), Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (refused(lab, "replayed") + refused(lab, "stale") < before + 1) {
        assertTrue(System.nanoTime() < deadline, "b did not refuse the re-delivered envelope");
        Thread.sleep(200);
      }
      System.out.printf(
          "relay replay refused: replayed=%d stale=%d%n",
          refused(lab, "replayed"), refused(lab, "stale"));
      assertPathHolds(lab, dir, bIp);
    } finally {
      capture.interrupt();
      capture.join(2000);
      tap.close();
    }
  }

  private static String startCoordinator(Lab lab, Path dir) throws Exception {
    LabProcess coord =
        lab.startCoord(
            PUB,
            "coord",
            "--insecure-http", // the curious relay in front speaks plain HTTP to it
            "--listen",
            COORD_IP + ":8443",
            "--stun-listen",
            COORD_IP + ":3478",
            "--state-dir",
            dir.resolve("coord").toString(),
            "--long-poll",
            "10s");
    coord.awaitLine("coord_listening", Duration.ofSeconds(30));
    Launchers.Result key =
        Launchers.run(
            "gretun-coord",
            "keys",
            "create",
            "--reusable",
            "--json",
            "--state-dir",
            dir.resolve("coord").toString());
    assertEquals(0, key.exit(), key.stderr());
    return JSON.readTree(key.stdout()).get("key").asText();
  }

  private static void up(Lab lab, Path dir, String node, String key, String port, String... extra)
      throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "up",
                "--insecure-http",
                "--coordinator",
                "http://" + COORD_IP + ":" + port,
                "--auth-key",
                key,
                "--hostname",
                node,
                "--state-dir",
                dir.resolve("state-" + node).toString(),
                "--control-socket",
                dir.resolve(node + ".sock").toString(),
                "--dataplane",
                "userspace"));
    args.addAll(List.of(extra));
    lab.startGretun(node, "up-" + node, args.toArray(String[]::new));
  }

  private static JsonNode peer(Path dir, String node, String name) throws Exception {
    Launchers.Result r =
        Launchers.run(
            "gretun",
            "peers",
            "--json",
            "--control-socket",
            dir.resolve(node + ".sock").toString());
    if (r.exit() == 0) {
      for (JsonNode p : JSON.readTree(r.stdout())) {
        if (p.path("name").asText().equals(name)) {
          return p;
        }
      }
    }
    return JSON.createObjectNode();
  }

  private static void awaitState(Path dir, String node, String peer, String state, Duration t)
      throws Exception {
    long deadline = System.nanoTime() + t.toNanos();
    String last = "absent";
    while (System.nanoTime() < deadline) {
      last = peer(dir, node, peer).path("state").asText("absent");
      if (last.equals(state)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(node + " never saw " + peer + " " + state + " (last: " + last + ")");
  }

  /** Both sides direct on the direct path, and pings a -> b pass. */
  private static void assertPathHolds(Lab lab, Path dir, String bIp) throws Exception {
    assertEquals("direct", peer(dir, A, "b").path("path").asText());
    assertEquals("direct", peer(dir, A, "b").path("state").asText());
    assertEquals("direct", peer(dir, B, "a").path("state").asText());
    Launchers.Result ping = lab.exec(A, "ping", "-c", "3", "-i", "0.2", "-W", "1", bIp);
    assertEquals(0, ping.exit(), "pings a -> b through the tunnel: " + ping.stdout());
  }

  private static void capture(PacketSocket tap, List<Captured> out) {
    while (!Thread.currentThread().isInterrupted()) {
      long n = tap.receive();
      if (n <= 0) {
        continue;
      }
      byte[] packet = tap.data().asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
      try {
        CapturedDatagram d = CapturedDatagram.parse(ByteBuffer.wrap(packet), packet.length, false);
        byte[] payload =
            Arrays.copyOfRange(packet, d.payloadOffset(), d.payloadOffset() + d.payloadLength());
        if (DiscoEnvelope.isDisco(payload, 0, payload.length)) {
          synchronized (out) {
            out.add(new Captured(System.nanoTime(), payload));
          }
        }
      } catch (RuntimeException malformed) {
        // not a datagram we want
      }
    }
  }

  /** a's most recent ping to b: its longest disco datagrams (a pong's body is shorter). */
  private static byte[] latestPing(List<Captured> captured, byte[] aDisco) {
    synchronized (captured) {
      List<byte[]> fromA =
          captured.stream()
              .map(Captured::payload)
              .filter(p -> Arrays.equals(p, 6, 38, aDisco, 0, 32))
              .toList();
      assertTrue(!fromA.isEmpty(), "captured no disco datagram from a (" + captured.size() + ")");
      int longest = fromA.stream().mapToInt(p -> p.length).max().orElseThrow();
      return fromA.stream().filter(p -> p.length == longest).reduce((x, y) -> y).orElseThrow();
    }
  }

  private static String capturedEnvelope(Path dir, String fromDisco) throws Exception {
    Path file = dir.resolve("captured.jsonl");
    assertTrue(Files.exists(file), "the relay stored no envelope for b");
    return Files.readAllLines(file).stream()
        .filter(l -> fromDisco.equals(field(l, "from_disco")))
        .reduce((x, y) -> y)
        .orElseThrow(() -> new AssertionError("no call_me_maybe from a was relayed to b"));
  }

  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
    return m.find() ? m.group(1) : null;
  }

  private static InetSocketAddress endpoint(String ipPort) {
    int colon = ipPort.lastIndexOf(':');
    return new InetSocketAddress(
        InetAddress.ofLiteral(ipPort.substring(0, colon)),
        Integer.parseInt(ipPort.substring(colon + 1)));
  }

  private static long refused(Lab lab, String reason) throws Exception {
    Launchers.Result r = lab.exec(B, "curl", "-s", "--max-time", "3", METRICS);
    Matcher m =
        Pattern.compile("gretun_disco_refused_total\\{reason=\"" + reason + "\",?\\} ([0-9.E]+)")
            .matcher(r.stdout());
    return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
  }

  private static void awaitRefused(Lab lab, String reason, long atLeast) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    long last = -1;
    while (System.nanoTime() < deadline) {
      last = refused(lab, reason);
      if (last >= atLeast) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("gretun_disco_refused_total{reason=" + reason + "} = " + last);
  }

  private static void awaitFile(Path file, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!Files.exists(file)) {
      assertTrue(System.nanoTime() < deadline, "the relay never re-delivered the envelope");
      Thread.sleep(200);
    }
  }
}
