package dev.gretun.coord.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.coord.RequestAuth;
import dev.gretun.core.keys.Ed25519Keys;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code make bench}: fan-out latency of one registration to N nodes that each hold a peers
 * long-poll on loopback. The coordinator runs as its own process ({@code bin/gretun-coord} on the
 * built jar) so its heap (from /metrics on its metrics listener) and CPU time and RSS (from /proc)
 * are its own. Reports the empty server first as the baseline. N = env BENCH_NODES (default 2000).
 */
public final class FanoutBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long CLK_TCK = 100;

  private final Path root;
  private final int nodes;
  private final HttpClient http;
  private int port;
  private int metricsPort;
  private Process coord;

  private FanoutBench(Path root, int nodes) {
    this.root = root;
    this.nodes = nodes;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(System.getenv().getOrDefault("BENCH_NODES", "2000"));
    Path root = Path.of(System.getProperty("gretun.root", ".")).toAbsolutePath();
    FanoutBench b = new FanoutBench(root, n);
    try {
      b.run();
    } finally {
      b.stop();
    }
    System.exit(0);
  }

  private void run() throws Exception {
    Path state = Files.createTempDirectory("gretun-bench-coord");
    try (ServerSocket s = new ServerSocket(0);
        ServerSocket m = new ServerSocket(0)) {
      port = s.getLocalPort();
      metricsPort = m.getLocalPort();
    }
    Path log = state.resolve("coord.log");
    ProcessBuilder pb =
        new ProcessBuilder(
            root.resolve("bin/gretun-coord").toString(),
            "--listen",
            "127.0.0.1:" + port,
            "--state-dir",
            state.toString(),
            "--stun-listen",
            "off",
            "--no-auth-keys",
            // plain HTTP, as before TLS existed, so runs stay comparable (docs/BENCH.md)
            "--insecure-http",
            "--pool",
            "100.64.0.0/16",
            "--long-poll",
            "300s",
            "--sync",
            "normal",
            "--metrics-listen",
            "127.0.0.1:" + metricsPort,
            // every simulated node connects from 127.0.0.1
            "--max-conns-per-ip",
            "0");
    pb.environment()
        .put("GRETUN_JAVA_OPTS", System.getenv().getOrDefault("BENCH_COORD_OPTS", "-Xmx1g"));
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    coord = pb.start();
    awaitHealthy();
    long pid =
        coord
            .toHandle()
            .descendants()
            .reduce((a, b) -> b)
            .map(ProcessHandle::pid)
            .orElse(coord.pid());
    pid = javaPid(pid);

    System.out.printf(
        "coord fan-out bench: %d nodes, coordinator pid %d on 127.0.0.1:%d%n", nodes, pid, port);
    Thread.sleep(2000);
    Sample empty = sample(pid, Duration.ofSeconds(2));
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
          send(kp, "POST", "/v1/register", registerBody("n" + i))
              .whenComplete((r, e) -> inFlight.release()));
    }
    int regErrors = countErrors(regs);
    double regSeconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("registered %d nodes in %.1f s (%d errors)%n", nodes, regSeconds, regErrors);

    String cursor =
        JSON.readTree(send(keys.get(0), "GET", "/v1/peers", "").get().body())
            .get("cursor")
            .asText();
    List<CompletableFuture<HttpResponse<String>>> polls = new ArrayList<>(nodes);
    long[] doneAt = new long[nodes];
    for (int i = 0; i < nodes; i++) {
      int idx = i;
      polls.add(
          send(keys.get(i), "GET", "/v1/peers?cursor=" + cursor, "")
              .whenComplete((r, e) -> doneAt[idx] = System.nanoTime()));
      if (i % 500 == 499) {
        Thread.sleep(50);
      }
    }
    awaitWaiting(nodes, Duration.ofSeconds(120));
    Sample parked = sample(pid, Duration.ofSeconds(2));
    System.out.printf("with %d long-polls parked (idle): %s%n", nodes, parked);

    long cpuBefore = cpuTicks(pid);
    long start = System.nanoTime();
    HttpResponse<String> newcomer =
        send(Ed25519Keys.generate(), "POST", "/v1/register", registerBody("newcomer")).get();
    long regDone = System.nanoTime();
    if (newcomer.statusCode() != 200) {
      throw new IllegalStateException("newcomer registration failed: " + newcomer.body());
    }
    int errors = 0;
    long[] lat = new long[nodes];
    for (int i = 0; i < nodes; i++) {
      try {
        HttpResponse<String> r = polls.get(i).get(120, TimeUnit.SECONDS);
        if (r.statusCode() != 200 || !r.body().contains("\"newcomer\"")) {
          errors++;
        }
      } catch (Exception e) {
        errors++;
      }
      lat[i] = doneAt[i] - start;
    }
    long allDone = Arrays.stream(doneAt).max().orElse(start);
    double fanCpu = (cpuTicks(pid) - cpuBefore) / (double) CLK_TCK;
    Arrays.sort(lat);
    Sample after = sample(pid, Duration.ZERO);

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("nodes", nodes);
    report.put("register_setup_seconds", round(regSeconds));
    report.put("register_setup_errors", regErrors);
    report.put("newcomer_register_ms", round((regDone - start) / 1e6));
    report.put("fanout_p50_ms", round(pct(lat, 0.50) / 1e6));
    report.put("fanout_p99_ms", round(pct(lat, 0.99) / 1e6));
    report.put("fanout_max_ms", round((allDone - start) / 1e6));
    report.put("fanout_errors", errors);
    report.put("fanout_cpu_seconds", round(fanCpu));
    report.put("baseline_empty", empty.map());
    report.put("parked_idle", parked.map());
    report.put("after_fanout", after.map());
    System.out.printf(
        "fan-out to %d long-polls: p50 %.1f ms, p99 %.1f ms, max %.1f ms, errors %d, coordinator CPU %.2f s%n",
        nodes, pct(lat, 0.50) / 1e6, pct(lat, 0.99) / 1e6, (allDone - start) / 1e6, errors, fanCpu);
    System.out.printf("after fan-out: %s%n", after);
    Path out = root.resolve("build/bench");
    Files.createDirectories(out);
    Files.writeString(
        out.resolve("coord-fanout.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report) + "\n");
    System.out.println("report: " + out.resolve("coord-fanout.json"));
    if (errors > 0 || regErrors > 0) {
      throw new IllegalStateException("bench saw errors");
    }
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
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

  private CompletableFuture<HttpResponse<String>> send(
      KeyPair kp, String method, String target, String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    long ts = System.currentTimeMillis() / 1000;
    byte[] nonceRaw = new byte[16];
    new SecureRandom().nextBytes(nonceRaw);
    String nonce = Base64.getEncoder().encodeToString(nonceRaw);
    URI uri = URI.create("http://127.0.0.1:" + port + target);
    byte[] sig =
        RequestAuth.sign(
            kp.getPrivate(), ts, nonce, method, RequestAuth.hostHeader(uri), target, b);
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(400))
            .header(RequestAuth.HEADER_NODE, CoordWire.b64(Ed25519Keys.rawPublic(kp.getPublic())))
            .header(RequestAuth.HEADER_TIMESTAMP, Long.toString(ts))
            .header(RequestAuth.HEADER_NONCE, nonce)
            .header("Authorization", "Gretun " + Base64.getEncoder().encodeToString(sig));
    rb = method.equals("GET") ? rb.GET() : rb.POST(HttpRequest.BodyPublishers.ofByteArray(b));
    return http.sendAsync(rb.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String get(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private String metrics() throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private void awaitHealthy() throws Exception {
    for (int i = 0; i < 600; i++) {
      try {
        if (get("/healthz").contains("\"ok\"")) {
          return;
        }
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("coordinator did not start");
  }

  private void awaitWaiting(int n, Duration max) throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    double waiting = 0;
    while (System.nanoTime() < deadline) {
      waiting = metric(metrics(), "gretun_coord_long_polls_waiting\\{kind=\"peers\"\\}");
      if (waiting >= n) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("only " + waiting + " of " + n + " long-polls parked");
  }

  private static double metric(String text, String nameRegex) {
    Matcher m = Pattern.compile("(?m)^" + nameRegex + " (\\S+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  private static double heapBytes(String text) {
    Matcher m =
        Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\"[^}]*\\} (\\S+)$").matcher(text);
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
    }
    return sum;
  }

  /** Heap (JVM view), RSS and CPU share of the coordinator over {@code window}. */
  record Sample(double heapMiB, double rssMiB, double cpuPercent) {
    Map<String, Object> map() {
      return Map.of(
          "heap_mib", round(heapMiB), "rss_mib", round(rssMiB), "cpu_percent", round(cpuPercent));
    }

    @Override
    public String toString() {
      return String.format("heap %.1f MiB, RSS %.1f MiB, CPU %.1f %%", heapMiB, rssMiB, cpuPercent);
    }
  }

  private Sample sample(long pid, Duration window) throws Exception {
    long c0 = cpuTicks(pid);
    long t0 = System.nanoTime();
    if (!window.isZero()) {
      Thread.sleep(window);
    }
    double cpu =
        window.isZero()
            ? 0
            : (cpuTicks(pid) - c0) / (double) CLK_TCK / ((System.nanoTime() - t0) / 1e9) * 100;
    double heap = heapBytes(metrics()) / (1024 * 1024);
    return new Sample(heap, rssKiB(pid) / 1024.0, cpu);
  }

  private static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static long rssKiB(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return -1;
  }

  /** The java process: the launcher script execs java, so the pid is usually already it. */
  private static long javaPid(long pid) {
    return ProcessHandle.of(pid)
        .flatMap(
            h ->
                h.descendants()
                    .filter(d -> d.info().command().orElse("").endsWith("/java"))
                    .findFirst())
        .map(ProcessHandle::pid)
        .orElse(pid);
  }

  private void stop() throws InterruptedException {
    if (coord != null) {
      coord.destroy();
      coord.waitFor(20, TimeUnit.SECONDS);
    }
    http.close();
  }
}
