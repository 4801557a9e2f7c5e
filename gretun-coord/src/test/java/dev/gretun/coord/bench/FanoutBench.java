package dev.gretun.coord.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.coord.RequestAuth;
import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.core.testing.TestPostgres;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * {@code make bench-coord}: fan-out latency of one registration to N nodes that each hold a peers
 * long-poll on loopback. Each coordinator runs as its own process. Reports the empty server first
 * as the baseline. Environment: BENCH_NODES (default 2000); BENCH_STORE {@code sqlite} (default) or
 * {@code postgres} (a PostgreSQL server started by the bench, as the store tests do);
 * BENCH_REPLICAS (default 1; with postgres, replicas share the database, node i registers and polls
 * at replica i mod R, and the newcomer registers at replica 0, so the others learn of it through
 * LISTEN/NOTIFY).
 */
public final class FanoutBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path root;
  private final int nodes;
  private final String store;
  private final int replicaCount;
  private final HttpClient http;
  private final List<BenchReplica> replicas = new ArrayList<>();
  private final Map<BenchReplica, String> cursors = new HashMap<>();
  private final Queue<Socket> openSockets = new ConcurrentLinkedQueue<>();
  private TestPostgres postgres;

  private FanoutBench(Path root, int nodes, String store, int replicaCount) {
    this.root = root;
    this.nodes = nodes;
    this.store = store;
    this.replicaCount = replicaCount;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    int n = Integer.parseInt(env.getOrDefault("BENCH_NODES", "2000"));
    String store = env.getOrDefault("BENCH_STORE", "sqlite");
    int replicas = Integer.parseInt(env.getOrDefault("BENCH_REPLICAS", "1"));
    if (!store.equals("sqlite") && !store.equals("postgres")) {
      throw new IllegalArgumentException("BENCH_STORE must be sqlite or postgres, not " + store);
    }
    if (replicas < 1 || (replicas > 1 && !store.equals("postgres"))) {
      throw new IllegalArgumentException("BENCH_REPLICAS > 1 needs BENCH_STORE=postgres");
    }
    Path root = Path.of(System.getProperty("gretun.root", ".")).toAbsolutePath();
    FanoutBench b = new FanoutBench(root, n, store, replicas);
    try {
      b.run();
    } finally {
      b.stop();
    }
    System.exit(0);
  }

  private List<String> storeArgs(Path dir) throws Exception {
    if (store.equals("sqlite")) {
      return List.of();
    }
    postgres = TestPostgres.shared();
    Path password = dir.resolve("pgpass");
    Files.writeString(password, TestPostgres.PASSWORD + "\n");
    Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
    return List.of(
        "--store", postgres.newDatabase().storeUrl(), "--store-password-file", password.toString());
  }

  private void run() throws Exception {
    Path dir = Files.createTempDirectory("gretun-bench-coord");
    List<String> storeArgs = storeArgs(dir);
    for (int r = 0; r < replicaCount; r++) {
      Path state = Files.createDirectories(dir.resolve("replica" + r));
      Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
      replicas.add(BenchReplica.start(root, state, storeArgs, http));
    }
    BenchReplica first = replicas.get(0);
    System.out.printf(
        "coord fan-out bench: %d nodes, store %s, %d replica(s), pids %s%n",
        nodes, store, replicaCount, replicas.stream().map(r -> r.pid).toList());
    Thread.sleep(2000);
    ProcStats.Sample empty = first.sample(Duration.ofSeconds(2));
    System.out.printf("baseline (empty server): %s%n", empty);

    // Register N nodes (bounded concurrency), then park one peers long-poll per node.
    List<KeyPair> keys = new ArrayList<>(nodes);
    long t0 = System.nanoTime();
    Semaphore inFlight = new Semaphore(64);
    List<CompletableFuture<HttpResponse<String>>> regs = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      KeyPair kp = Ed25519Keys.generate();
      keys.add(kp);
      inFlight.acquire();
      regs.add(
          send(kp, replicaOf(i), "POST", "/v1/register", registerBody("n" + i))
              .whenComplete((r, e) -> inFlight.release()));
    }
    int regErrors = countErrors(regs);
    double regSeconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("registered %d nodes in %.1f s (%d errors)%n", nodes, regSeconds, regErrors);

    List<CompletableFuture<RawPoll.Response>> polls = new ArrayList<>(nodes);
    for (int i = 0; i < nodes; i++) {
      String cursor = cursors(keys.get(0)).get(replicaOf(i));
      polls.add(
          RawPoll.start(
              replicaOf(i).port, pollHead(keys.get(i), replicaOf(i), cursor), openSockets));
      if (i % 500 == 499) {
        Thread.sleep(50);
      }
    }
    awaitWaiting(nodes, Duration.ofSeconds(180));
    ProcStats.Sample parked = first.sample(Duration.ofSeconds(2));
    System.out.printf("with %d long-polls parked (idle), replica 0: %s%n", nodes, parked);

    long[] cpuBefore = new long[replicaCount];
    for (int r = 0; r < replicaCount; r++) {
      cpuBefore[r] = ProcStats.cpuTicks(replicas.get(r).pid);
    }
    long start = System.nanoTime();
    HttpResponse<String> newcomer =
        send(Ed25519Keys.generate(), first, "POST", "/v1/register", registerBody("newcomer")).get();
    long regDone = System.nanoTime();
    if (newcomer.statusCode() != 200) {
      throw new IllegalStateException("newcomer registration failed: " + newcomer.body());
    }
    int errors = 0;
    long[] lat = new long[nodes];
    for (int i = 0; i < nodes; i++) {
      try {
        RawPoll.Response r = polls.get(i).get(120, TimeUnit.SECONDS);
        if (r.status() != 200 || !r.body().contains("\"newcomer\"")) {
          errors++;
        }
        lat[i] = r.completedAt() - start;
      } catch (Exception e) {
        errors++;
        lat[i] = Long.MAX_VALUE;
      }
    }
    double fanCpu = 0;
    for (int r = 0; r < replicaCount; r++) {
      fanCpu +=
          (ProcStats.cpuTicks(replicas.get(r).pid) - cpuBefore[r]) / (double) ProcStats.CLK_TCK;
    }
    Arrays.sort(lat);
    long allDone = start + lat[nodes - 1];
    ProcStats.Sample after = first.sample(Duration.ZERO);

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("nodes", nodes);
    report.put("store", store);
    report.put("replicas", replicaCount);
    report.put("register_setup_seconds", ProcStats.round(regSeconds));
    report.put("register_setup_errors", regErrors);
    report.put("newcomer_register_ms", ProcStats.round((regDone - start) / 1e6));
    report.put("fanout_p50_ms", ProcStats.round(pct(lat, 0.50) / 1e6));
    report.put("fanout_p99_ms", ProcStats.round(pct(lat, 0.99) / 1e6));
    report.put("fanout_max_ms", ProcStats.round((allDone - start) / 1e6));
    report.put("fanout_errors", errors);
    report.put("fanout_cpu_seconds", ProcStats.round(fanCpu));
    report.put("baseline_empty", empty.map());
    report.put("parked_idle", parked.map());
    report.put("after_fanout", after.map());
    System.out.printf(
        "fan-out to %d long-polls (%s, %d replica(s)): p50 %.1f ms, p99 %.1f ms, max %.1f ms,"
            + " errors %d, coordinator CPU %.2f s%n",
        nodes,
        store,
        replicaCount,
        pct(lat, 0.50) / 1e6,
        pct(lat, 0.99) / 1e6,
        (allDone - start) / 1e6,
        errors,
        fanCpu);
    System.out.printf("after fan-out, replica 0: %s%n", after);
    Path out = root.resolve("build/bench");
    Files.createDirectories(out);
    String name =
        store.equals("sqlite")
            ? "coord-fanout.json"
            : "coord-fanout-" + store + "-" + replicaCount + ".json";
    Files.writeString(
        out.resolve(name), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report) + "\n");
    System.out.println("report: " + out.resolve(name));
    if (errors > 0 || regErrors > 0) {
      throw new IllegalStateException("bench saw errors");
    }
  }

  private BenchReplica replicaOf(int node) {
    return replicas.get(node % replicaCount);
  }

  /** Each replica's current cursor, read once (after registration) as a registered node. */
  private Map<BenchReplica, String> cursors(KeyPair probe) throws Exception {
    if (cursors.isEmpty()) {
      for (BenchReplica r : replicas) {
        String body = send(probe, r, "GET", "/v1/peers", "").get().body();
        cursors.put(r, JSON.readTree(body).get("cursor").asText());
      }
    }
    return cursors;
  }

  private static long pct(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }

  private static int countErrors(List<CompletableFuture<HttpResponse<String>>> fs) {
    int errors = 0;
    for (var f : fs) {
      try {
        if (f.get(120, TimeUnit.SECONDS).statusCode() != 200) {
          errors++;
        }
      } catch (Exception e) {
        errors++;
      }
    }
    return errors;
  }

  private static String registerBody(String name) {
    byte[] disco = new byte[32];
    new SecureRandom().nextBytes(disco);
    return "{\"node_name\":\"" + name + "\",\"disco_key\":\"" + CoordWire.b64(disco) + "\"}";
  }

  /** The signed request headers (docs/PROTOCOL.md "Request signing"), name to value. */
  private static Map<String, String> authHeaders(
      KeyPair kp, URI uri, String method, String target, byte[] body) {
    long ts = System.currentTimeMillis() / 1000;
    byte[] nonceRaw = new byte[16];
    new SecureRandom().nextBytes(nonceRaw);
    String nonce = Base64.getEncoder().encodeToString(nonceRaw);
    byte[] sig =
        RequestAuth.sign(
            kp.getPrivate(), ts, nonce, method, RequestAuth.hostHeader(uri), target, body);
    Map<String, String> h = new LinkedHashMap<>();
    h.put(RequestAuth.HEADER_NODE, CoordWire.b64(Ed25519Keys.rawPublic(kp.getPublic())));
    h.put(RequestAuth.HEADER_TIMESTAMP, Long.toString(ts));
    h.put(RequestAuth.HEADER_NONCE, nonce);
    h.put("Authorization", "Gretun " + Base64.getEncoder().encodeToString(sig));
    return h;
  }

  private CompletableFuture<HttpResponse<String>> send(
      KeyPair kp, BenchReplica replica, String method, String target, String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    URI uri = replica.uri(target);
    HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(400));
    authHeaders(kp, uri, method, target, b).forEach(rb::header);
    rb = method.equals("GET") ? rb.GET() : rb.POST(HttpRequest.BodyPublishers.ofByteArray(b));
    return http.sendAsync(rb.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A signed peers long-poll request head for {@link RawPoll}. */
  private static String pollHead(KeyPair kp, BenchReplica replica, String cursor) {
    String target = "/v1/peers?cursor=" + cursor;
    URI uri = replica.uri(target);
    StringBuilder head = new StringBuilder("GET " + target + " HTTP/1.1\r\n");
    head.append("Host: ").append(RequestAuth.hostHeader(uri)).append("\r\n");
    authHeaders(kp, uri, "GET", target, new byte[0])
        .forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    return head.append("\r\n").toString();
  }

  private void awaitWaiting(int n, Duration max) throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    double waiting = 0;
    while (System.nanoTime() < deadline) {
      waiting = 0;
      for (BenchReplica r : replicas) {
        waiting += Math.max(0, r.parkedPeerPolls());
      }
      if (waiting >= n) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("only " + waiting + " of " + n + " long-polls parked");
  }

  private void stop() throws InterruptedException {
    for (Socket s : openSockets) {
      try {
        s.close();
      } catch (java.io.IOException ignored) {
        // closing a bench socket; nothing to do
      }
    }
    for (BenchReplica r : replicas) {
      r.stop();
    }
    if (postgres != null) {
      postgres.stop();
    }
    http.close();
  }
}
