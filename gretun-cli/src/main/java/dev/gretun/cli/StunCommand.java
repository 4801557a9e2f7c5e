package dev.gretun.cli;

import dev.gretun.cmd.CliSupport;
import dev.gretun.cmd.Output;
import dev.gretun.core.GretunException;
import dev.gretun.core.keys.KeyStore;
import dev.gretun.core.stun.NatMapping;
import dev.gretun.core.stun.StunClient;
import dev.gretun.core.stun.StunProbe;
import dev.gretun.core.stun.StunResult;
import dev.gretun.core.util.Durations;
import dev.gretun.core.wire.disco.Endpoints;
import dev.gretun.core.wire.stun.Stun;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code gretun stun}: asks STUN servers for this host's public UDP endpoint. JSON fields are
 * documented in docs/CLI.md ("gretun stun").
 */
@Command(
    name = "stun",
    mixinStandardHelpOptions = true,
    description = {
      "Print this host's public UDP endpoint as seen by STUN servers (RFC 8489 Binding).",
      "All servers are asked in parallel from one local port; with two or more answers the NAT's"
          + " mapping behaviour is shown too. No server is contacted unless you name it."
    })
final class StunCommand implements Callable<Integer> {
  @ParentCommand GretunRoot parent;
  @Spec CommandSpec spec;

  @Option(
      names = "--server",
      paramLabel = "HOST:PORT",
      split = ",",
      description = "STUN server (repeatable or comma-separated; port defaults to 3478).")
  List<String> servers = new ArrayList<>();

  @Option(
      names = "--coordinator",
      paramLabel = "URL",
      description =
          "Without --server: ask the servers this coordinator names (a signed registration with"
              + " this node's keys, as 'gretun up' makes; the host must have joined).")
  String coordinator;

  @Option(
      names = "--coordinator-ca",
      paramLabel = "FILE",
      description = "PEM CA file trusted for the coordinator (default: the system trust store).")
  Path coordinatorCa;

  @Option(names = "--insecure-http", description = "Allow an http:// --coordinator (labs only).")
  boolean insecureHttp;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description = "Node keys for --coordinator (default: ${DEFAULT-VALUE}).")
  Path stateDir = KeyStore.DEFAULT_STATE_DIR;

  @Option(
      names = "--hostname",
      paramLabel = "NAME",
      description =
          "Node name for --coordinator, as given to 'gretun up' (default: the host name).")
  String hostname;

  @Option(
      names = "--timeout",
      paramLabel = "D",
      defaultValue = "5s",
      description = "Give up after this long (e.g. 500ms, 5s; default ${DEFAULT-VALUE}).")
  String timeout;

  @Option(
      names = "--port",
      paramLabel = "N",
      defaultValue = "0",
      description = "Local UDP port to send from (default: an ephemeral port).")
  int port;

  record ResultJson(
      String server,
      String address,
      String status,
      String mapped,
      Double rtt_ms,
      String software,
      String error) {}

  record StunJson(
      String public_endpoint,
      String server,
      int local_port,
      List<ResultJson> results,
      String mapping,
      Boolean port_preserved,
      String mapping_reason) {}

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (servers.isEmpty() && coordinator == null) {
      throw CliSupport.usageError(
          spec.commandLine(),
          "pass --server HOST:PORT, or --coordinator URL to use the coordinator's STUN servers"
              + " (gretun contacts no STUN server by default)");
    }
    if (servers.isEmpty()) {
      servers = new ArrayList<>(coordinatorServers());
    }
    Duration limit;
    try {
      limit = Durations.parsePositive(timeout);
    } catch (IllegalArgumentException e) {
      throw CliSupport.usageError(spec.commandLine(), "--timeout: " + e.getMessage());
    }
    if (port < 0 || port > 65535) {
      throw CliSupport.usageError(spec.commandLine(), "--port must be 0..65535");
    }
    List<InetSocketAddress> resolved = new ArrayList<>();
    for (String s : servers) {
      resolved.add(resolve(s, limit));
    }
    StunProbe.Report report =
        StunProbe.run(new InetSocketAddress(port), resolved, limit, StunClient.Timing.defaults());
    int winner = -1;
    for (int i = 0; i < report.results().size(); i++) {
      if (report.results().get(i).ok()) {
        winner = i;
        break;
      }
    }
    if (winner < 0) {
      List<String> why = new ArrayList<>();
      for (int i = 0; i < servers.size(); i++) {
        why.add(servers.get(i) + ": " + report.results().get(i).detail());
      }
      throw new GretunException(
          "stun_no_answer",
          "no STUN server answered within " + timeout + " (" + String.join("; ", why) + ")");
    }
    int localPort = report.local().getPort();
    NatMapping mapping =
        servers.size() >= 2 ? NatMapping.classify(localPort, report.results()) : null;
    StunResult first = report.results().get(winner);
    PrintWriter out = spec.commandLine().getOut();
    if (parent.global.json) {
      List<ResultJson> rows = new ArrayList<>();
      for (int i = 0; i < servers.size(); i++) {
        StunResult r = report.results().get(i);
        rows.add(
            new ResultJson(
                servers.get(i),
                Endpoints.format(r.server()),
                r.status().name().toLowerCase(Locale.ROOT),
                r.ok() ? Endpoints.format(r.mapped()) : null,
                r.ok() ? r.rtt().toNanos() / 1e6 : null,
                r.software(),
                r.detail()));
      }
      Output.json(
          out,
          new StunJson(
              Endpoints.format(first.mapped()),
              servers.get(winner),
              localPort,
              rows,
              mapping == null ? null : mapping.behaviour().name().toLowerCase(Locale.ROOT),
              mapping == null ? null : mapping.portPreserved(),
              mapping == null || mapping.behaviour() != NatMapping.Behaviour.UNKNOWN
                  ? null
                  : sameServer(resolved)
                      ? "needs two different STUN servers"
                      : "fewer than two different servers answered"));
    } else {
      out.printf("%s  (via %s)%n", Endpoints.format(first.mapped()), servers.get(winner));
      if (servers.size() >= 2) {
        for (int i = 0; i < servers.size(); i++) {
          StunResult r = report.results().get(i);
          out.printf(
              "  %-24s %s%n",
              servers.get(i),
              r.ok()
                  ? String.format(
                      Locale.ROOT,
                      "%s  rtt %.1f ms",
                      Endpoints.format(r.mapped()),
                      r.rtt().toNanos() / 1e6)
                  : r.status().name().toLowerCase(Locale.ROOT) + ": " + r.detail());
        }
        out.printf("mapping: %s%n", describe(mapping, localPort, sameServer(resolved)));
      }
      out.flush();
    }
    return 0;
  }

  private List<String> coordinatorServers() throws InterruptedException {
    URI uri;
    try {
      uri = new URI(coordinator);
    } catch (URISyntaxException e) {
      throw usage("bad --coordinator '" + coordinator + "' (e.g. https://coord.example:8443)");
    }
    if (!"https".equals(uri.getScheme()) && !("http".equals(uri.getScheme()) && insecureHttp)) {
      throw usage("--coordinator must be https://HOST:PORT (http:// only with --insecure-http)");
    }
    String name;
    try {
      name = hostname != null ? hostname : InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      throw usage("cannot read the host name: pass --hostname");
    }
    return CoordinatorStunServers.ask(uri, stateDir, coordinatorCa, name);
  }

  private static String describe(NatMapping m, int localPort, boolean sameServer) {
    String behaviour =
        switch (m.behaviour()) {
          case ENDPOINT_INDEPENDENT ->
              "endpoint-independent (same public endpoint for every server)";
          case ENDPOINT_DEPENDENT ->
              "endpoint-dependent (a different public endpoint per server; hard NAT)";
          case UNKNOWN ->
              m.distinctServerAddresses() < 2 && sameServer
                  ? "unknown: needs two different STUN servers"
                  : "unknown (fewer than two different servers answered)";
        };
    String port =
        m.portPreserved() == null
            ? ""
            : m.portPreserved()
                ? ", local port " + localPort + " preserved"
                : ", port not preserved";
    String caveat =
        m.behaviour() == NatMapping.Behaviour.ENDPOINT_INDEPENDENT
                && m.distinctServerAddresses() < 2
            ? " [all servers share one IP: address-dependent mapping not ruled out]"
            : "";
    return behaviour + port + caveat;
  }

  /** True when every server resolved to one {@code ip:port}: no mapping behaviour to infer. */
  private static boolean sameServer(List<InetSocketAddress> resolved) {
    return new java.util.HashSet<>(resolved).size() < 2;
  }

  /** HOST, HOST:PORT or [V6]:PORT; DNS lookups are bounded by the timeout. */
  private InetSocketAddress resolve(String arg, Duration limit) {
    String host = arg;
    int p = Stun.DEFAULT_PORT;
    int colon = arg.lastIndexOf(':');
    if (arg.startsWith("[")) {
      int close = arg.indexOf(']');
      if (close < 0 || (close + 1 < arg.length() && arg.charAt(close + 1) != ':')) {
        throw usage("bad --server '" + arg + "' (expected HOST:PORT or [IPV6]:PORT)");
      }
      host = arg.substring(1, close);
      p = close + 1 < arg.length() ? port(arg, arg.substring(close + 2)) : p;
    } else if (colon >= 0 && arg.indexOf(':') == colon) {
      host = arg.substring(0, colon);
      p = port(arg, arg.substring(colon + 1));
    }
    if (host.isEmpty()) {
      throw usage("bad --server '" + arg + "': empty host");
    }
    String name = host;
    try (var exec = Executors.newVirtualThreadPerTaskExecutor()) {
      CompletableFuture<InetAddress> f =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return InetAddress.getByName(name);
                } catch (UnknownHostException e) {
                  throw new IllegalStateException(e);
                }
              },
              exec);
      return new InetSocketAddress(f.get(limit.toMillis(), TimeUnit.MILLISECONDS), p);
    } catch (ExecutionException e) {
      throw new GretunException("resolve", "cannot resolve STUN server host '" + host + "'");
    } catch (TimeoutException e) {
      throw new GretunException("resolve", "resolving '" + host + "' took longer than " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GretunException("interrupted", "interrupted while resolving '" + host + "'");
    }
  }

  private int port(String arg, String text) {
    try {
      int p = Integer.parseInt(text);
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw usage("bad port in --server '" + arg + "' (1..65535)");
  }

  private RuntimeException usage(String message) {
    return CliSupport.usageError(spec.commandLine(), message);
  }
}
