package dev.gretun.e2e.overlay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.e2e.Launchers;
import dev.gretun.e2e.lab.Lab;
import dev.gretun.e2e.lab.LabProcess;
import dev.gretun.e2e.tls.CoordTlsFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A gretun overlay inside the netns lab: a real {@code gretun-coord} on the public host and real
 * {@code gretun up} processes on the hosts behind the NATs, with per-test state directories and
 * control sockets.
 */
public final class Overlay {
  public static final String COORD_IP = "192.0.2.10";
  public static final String COORD_URL = "https://" + COORD_IP + ":8443";
  public static final int RELAY_PORT = 3480;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Lab lab;
  private final Path dir;
  private LabProcess coord;
  private String authKey;
  private CoordTlsFiles tls;
  private String coordinatorUrls = COORD_URL;

  public Overlay(Lab lab, String testName) throws IOException {
    this.lab = lab;
    this.dir = Path.of("target", "overlay", testName).toAbsolutePath();
    if (Files.exists(dir)) {
      try (var walk = Files.walk(dir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Files.createDirectories(dir);
  }

  public Path dir() {
    return dir;
  }

  /**
   * Starts the coordinator (HTTPS with a certificate from a test CA, STUN and the data relay on the
   * same host) and creates the CA and a reusable join key once.
   */
  public LabProcess startCoordinator() throws Exception {
    if (tls == null) {
      tls = CoordTlsFiles.create(dir.resolve("tls"), COORD_IP);
    }
    List<String> args =
        new ArrayList<>(
            List.of(
                "--listen",
                COORD_IP + ":8443",
                "--stun-listen",
                COORD_IP + ":3478",
                "--relay-listen",
                COORD_IP + ":" + RELAY_PORT,
                "--state-dir",
                dir.resolve("coord").toString(),
                "--long-poll",
                "10s"));
    args.addAll(tls.coordArgs());
    coord = lab.startCoord(Lab.PUB, "coord", args.toArray(String[]::new));
    coord.awaitLine("coord_listening", Duration.ofSeconds(30));
    if (authKey == null) {
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
      authKey = JSON.readTree(key.stdout()).get("key").asText();
    }
    return coord;
  }

  public LabProcess coordinator() {
    return coord;
  }

  /**
   * Nodes started from now on join through {@code urls} (a {@code --coordinator} value, e.g.
   * replicas started by the test) with {@code authKey}, trusting the CA of {@code tls}, instead of
   * the coordinator {@link #startCoordinator} starts.
   */
  public void joinThrough(String urls, String authKey, CoordTlsFiles tls) {
    this.coordinatorUrls = urls;
    this.authKey = authKey;
    this.tls = tls;
  }

  /** Starts {@code gretun up} on {@code node} with the userspace data plane. */
  public LabProcess up(String node, String... extra) throws IOException {
    return up(node, Map.of(), extra);
  }

  /** {@link #up(String, String...)} with extra environment variables (e.g. NOTIFY_SOCKET). */
  public LabProcess up(String node, Map<String, String> env, String... extra) throws IOException {
    return upAs(node, node, env, extra);
  }

  /**
   * {@code gretun up} on {@code node} as another instance: its own hostname, state directory,
   * control socket and log name ({@code up-INSTANCE}).
   */
  public LabProcess upAs(String node, String instance, Map<String, String> env, String... extra)
      throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "up",
                "--coordinator",
                coordinatorUrls,
                "--auth-key",
                authKey,
                "--hostname",
                instance,
                "--state-dir",
                dir.resolve("state-" + instance).toString(),
                "--control-socket",
                socket(instance).toString(),
                "--dataplane",
                "userspace"));
    args.addAll(tls.upArgs());
    args.addAll(List.of(extra));
    return lab.startGretun(node, "up-" + instance, env, args.toArray(String[]::new));
  }

  public Path socket(String node) {
    return dir.resolve(node + ".sock");
  }

  /** {@code gretun peers --json} of {@code node}'s daemon (through the real CLI). */
  public JsonNode peers(String node) throws IOException, InterruptedException {
    Launchers.Result r =
        Launchers.run("gretun", "peers", "--json", "--control-socket", socket(node).toString());
    if (r.exit() != 0) {
      return JSON.createArrayNode();
    }
    return JSON.readTree(r.stdout());
  }

  /** The state {@code node} reports for the peer named {@code peer}, or "absent". */
  public String stateOf(String node, String peer) throws IOException, InterruptedException {
    for (JsonNode p : peers(node)) {
      if (p.path("name").asText().equals(peer)) {
        return p.path("state").asText();
      }
    }
    return "absent";
  }

  /** Waits until {@code node} reports {@code peer} in {@code state}; returns the time it took. */
  public Duration awaitState(String node, String peer, String state, Duration timeout)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    String last = "absent";
    while (System.nanoTime() < deadline) {
      last = stateOf(node, peer);
      if (last.equals(state)) {
        return Duration.ofNanos(System.nanoTime() - start);
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        node + " never saw " + peer + " " + state + " within " + timeout + " (last: " + last + ")");
  }

  /** The overlay address the coordinator gave {@code node}, from the peer list of {@code via}. */
  public String tunnelIp(String via, String node) throws IOException, InterruptedException {
    for (JsonNode p : peers(via)) {
      if (p.path("name").asText().equals(node)) {
        return p.path("tunnel_ip").asText();
      }
    }
    throw new AssertionError(via + " does not list " + node + ": " + peers(via));
  }

  /** Pings {@code ip} from {@code node}; true when all {@code count} replies arrived. */
  public boolean ping(String node, String ip, int count) throws IOException, InterruptedException {
    Launchers.Result r =
        lab.exec(node, "ping", "-c", Integer.toString(count), "-i", "0.2", "-W", "1", ip);
    return r.exit() == 0;
  }

  /** Waits until a single ping from {@code node} to {@code ip} passes; returns the time taken. */
  public Duration awaitPing(String node, String ip, Duration timeout)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (lab.exec(node, "ping", "-c", "1", "-W", "1", ip).exit() == 0) {
        return Duration.ofNanos(System.nanoTime() - start);
      }
    }
    throw new AssertionError("no ping " + node + " -> " + ip + " within " + timeout);
  }
}
