package dev.gretun.coord.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One gretun-coord process of the bench ({@code bin/gretun-coord} on the built jar) on loopback,
 * with its metrics listener, so its heap, CPU time and RSS are its own.
 */
final class BenchReplica {
  final int port;
  final int metricsPort;
  private final Process process;
  private final HttpClient http;
  long pid;

  private BenchReplica(int port, int metricsPort, Process process, HttpClient http) {
    this.port = port;
    this.metricsPort = metricsPort;
    this.process = process;
    this.http = http;
  }

  static BenchReplica start(Path root, Path stateDir, List<String> storeArgs, HttpClient http)
      throws Exception {
    int port;
    int metricsPort;
    try (ServerSocket s = new ServerSocket(0);
        ServerSocket m = new ServerSocket(0)) {
      port = s.getLocalPort();
      metricsPort = m.getLocalPort();
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                root.resolve("bin/gretun-coord").toString(),
                "--listen",
                "127.0.0.1:" + port,
                "--state-dir",
                stateDir.toString(),
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
                "0"));
    cmd.addAll(storeArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment()
        .put("GRETUN_JAVA_OPTS", System.getenv().getOrDefault("BENCH_COORD_OPTS", "-Xmx1g"));
    pb.redirectErrorStream(true).redirectOutput(stateDir.resolve("coord.log").toFile());
    BenchReplica r = new BenchReplica(port, metricsPort, pb.start(), http);
    r.awaitHealthy();
    long launcher =
        r.process
            .toHandle()
            .descendants()
            .reduce((a, b) -> b)
            .map(ProcessHandle::pid)
            .orElse(r.process.pid());
    r.pid = ProcStats.javaPid(launcher);
    return r;
  }

  URI uri(String target) {
    return URI.create("http://127.0.0.1:" + port + target);
  }

  String metrics() throws Exception {
    return get(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"));
  }

  double parkedPeerPolls() throws Exception {
    return ProcStats.metric(metrics(), "gretun_coord_long_polls_waiting\\{kind=\"peers\"\\}");
  }

  /** Heap, RSS and CPU share over {@code window} (CPU 0 for a zero window). */
  ProcStats.Sample sample(Duration window) throws Exception {
    long c0 = ProcStats.cpuTicks(pid);
    long t0 = System.nanoTime();
    if (!window.isZero()) {
      Thread.sleep(window);
    }
    double cpu =
        window.isZero()
            ? 0
            : (ProcStats.cpuTicks(pid) - c0)
                / (double) ProcStats.CLK_TCK
                / ((System.nanoTime() - t0) / 1e9)
                * 100;
    double heap = ProcStats.heapBytes(metrics()) / (1024 * 1024);
    return new ProcStats.Sample(heap, ProcStats.rssKiB(pid) / 1024.0, cpu);
  }

  private String get(URI uri) throws Exception {
    return http.send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private void awaitHealthy() throws Exception {
    for (int i = 0; i < 600; i++) {
      try {
        if (get(uri("/healthz")).contains("\"ok\"")) {
          return;
        }
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("coordinator on port " + port + " did not start");
  }

  void stop() throws InterruptedException {
    process.destroy();
    process.waitFor(20, TimeUnit.SECONDS);
  }
}
