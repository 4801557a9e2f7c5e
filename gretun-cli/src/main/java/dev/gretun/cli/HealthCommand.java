package dev.gretun.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.cmd.CliSupport;
import dev.gretun.cmd.Output;
import dev.gretun.core.GretunException;
import dev.gretun.core.daemon.localapi.LocalApiClient;
import dev.gretun.core.probe.EchoProber;
import dev.gretun.core.probe.IcmpTransport;
import dev.gretun.core.probe.ProbeResult;
import dev.gretun.core.probe.ProbeSettings;
import dev.gretun.core.tunnel.TunnelStatus;
import dev.gretun.core.util.Durations;
import dev.gretun.core.util.Ticker;
import java.io.IOException;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code gretun health}: probes the peer's tunnel address of every gretun tunnel ({@link
 * HealthTargets}) with ICMP echo, all at once; up/down and RTT per tunnel. Exit 1 when any tunnel
 * is not up. JSON: docs/CLI.md ("gretun health").
 */
@Command(
    name = "health",
    mixinStandardHelpOptions = true,
    description = {
      "Probe every gretun tunnel (static ones and the running daemon's peers) at the peer's"
          + " TUNNEL address: up/down and RTT per tunnel.",
      "Exit 1 when any tunnel is not up. --watch repeats until interrupted."
    })
final class HealthCommand implements Callable<Integer> {
  private static final int ECHOES = 3;
  private static final Duration ECHO_SPACING = Duration.ofMillis(200);

  /** Made on first use: picocli creates every command at start-up, and a mapper costs. */
  private static final class Compact {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  @ParentCommand GretunRoot parent;
  @Spec CommandSpec spec;

  @Option(names = "--watch", description = "Probe again every --interval until interrupted.")
  boolean watch;

  @Option(
      names = "--interval",
      paramLabel = "D",
      defaultValue = "5s",
      description = "Time between rounds with --watch (default ${DEFAULT-VALUE}).")
  String interval;

  @Option(
      names = "--rounds",
      paramLabel = "N",
      defaultValue = "0",
      description = "With --watch: stop after N rounds (default: until interrupted).")
  int rounds;

  @Option(
      names = "--timeout",
      paramLabel = "D",
      defaultValue = "1s",
      description = "An echo reply later than this is lost (default ${DEFAULT-VALUE}).")
  String timeout;

  @Mixin ControlSocketOption controlSocket;

  /** One tunnel's health; field names are the stable JSON keys. */
  record TunnelHealth(
      @JsonProperty("name") String name,
      @JsonProperty("source") String source,
      @JsonProperty("device") String device,
      @JsonProperty("peer_ip") String peerIp,
      @JsonProperty("status") String status,
      @JsonProperty("rtt_ms") Double rttMillis,
      @JsonProperty("loss_percent") Double lossPercent,
      @JsonProperty("reason") String reason) {}

  /** One round. */
  record Report(
      @JsonProperty("time") String time,
      @JsonProperty("daemon") String daemon,
      @JsonProperty("tunnels") List<TunnelHealth> tunnels) {
    boolean allUp() {
      return tunnels.stream().allMatch(t -> t.status().equals("up"));
    }
  }

  @Override
  public Integer call() throws Exception {
    Duration every = positive("--interval", interval);
    ProbeSettings settings;
    try {
      settings = new ProbeSettings(ECHOES, ECHO_SPACING, positive("--timeout", timeout));
    } catch (IllegalArgumentException e) {
      throw CliSupport.usageError(spec.commandLine(), e.getMessage());
    }
    if (rounds < 0) {
      throw CliSupport.usageError(spec.commandLine(), "--rounds must be 0 or more (e.g. 3)");
    }
    if (rounds > 0 && !watch) {
      throw CliSupport.usageError(spec.commandLine(), "--rounds needs --watch");
    }
    PrintWriter out = spec.commandLine().getOut();
    int round = 0;
    while (true) {
      long start = System.nanoTime();
      Report report = round(settings);
      round++;
      print(out, report);
      if (!watch || (rounds > 0 && round >= rounds)) {
        return report.allUp() ? 0 : 1;
      }
      long left = every.toNanos() - (System.nanoTime() - start);
      if (left > 0) {
        Thread.sleep(Duration.ofNanos(left));
      }
    }
  }

  private Duration positive(String flag, String text) {
    try {
      return Durations.parsePositive(text);
    } catch (IllegalArgumentException e) {
      throw CliSupport.usageError(spec.commandLine(), flag + ": " + e.getMessage());
    }
  }

  private Report round(ProbeSettings settings) throws InterruptedException {
    List<TunnelStatus> tunnels = TunnelCommands.withService(s -> s.list());
    JsonNode peers = null;
    String daemon;
    try {
      peers = LocalApiClient.call(controlSocket.path, "peers");
      daemon = "running";
    } catch (GretunException e) {
      daemon = e.code(); // not_running, permission, daemon_error
    }
    List<HealthTargets.Target> targets = HealthTargets.of(tunnels, peers);
    List<TunnelHealth> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<TunnelHealth>> futures = new ArrayList<>();
      for (HealthTargets.Target t : targets) {
        futures.add(pool.submit(() -> probe(t, settings)));
      }
      for (Future<TunnelHealth> f : futures) {
        try {
          results.add(f.get());
        } catch (ExecutionException e) {
          throw new IllegalStateException(e.getCause());
        }
      }
    }
    return new Report(Instant.now().toString(), daemon, results);
  }

  private static TunnelHealth probe(HealthTargets.Target t, ProbeSettings settings) {
    if (t.peerIp() == null) {
      return new TunnelHealth(
          t.name(), t.source(), t.device(), null, "unknown", null, null, t.why());
    }
    try (IcmpTransport icmp = IcmpTransport.open(ProbeCommand.resolve(t.peerIp()), null)) {
      ProbeResult r =
          new EchoProber(icmp, Ticker.system(), new SecureRandom()).run(t.peerIp(), settings);
      return new TunnelHealth(
          t.name(),
          t.source(),
          t.device(),
          t.peerIp(),
          r.reachable() ? "up" : "down",
          r.rttAvgMillis(),
          r.lossPercent(),
          r.reachable() ? null : "no echo reply within the timeout");
    } catch (GretunException | IOException e) {
      return new TunnelHealth(
          t.name(), t.source(), t.device(), t.peerIp(), "unknown", null, null, e.getMessage());
    }
  }

  private void print(PrintWriter out, Report r) throws IOException {
    if (parent.global.json) {
      if (watch) {
        out.println(Compact.MAPPER.writeValueAsString(r)); // one line per round
        out.flush();
      } else {
        Output.json(out, r);
      }
      return;
    }
    if (watch) {
      out.println("== " + r.time());
    }
    if (r.tunnels().isEmpty()) {
      out.println("no gretun tunnels (daemon: " + r.daemon() + ")");
    } else {
      String fmt = "%-16s %-7s %-15s %-7s %8s  %s%n";
      out.printf(fmt, "NAME", "SOURCE", "PEER_IP", "STATUS", "RTT_MS", "REASON");
      for (TunnelHealth t : r.tunnels()) {
        out.printf(
            fmt,
            t.name(),
            t.source(),
            t.peerIp() == null ? "-" : t.peerIp(),
            t.status(),
            t.rttMillis() == null ? "-" : String.format("%.3f", t.rttMillis()),
            t.reason() == null ? "" : t.reason());
      }
    }
    out.flush();
  }
}
