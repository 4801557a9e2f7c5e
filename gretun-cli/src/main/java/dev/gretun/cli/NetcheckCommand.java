package dev.gretun.cli;

import dev.gretun.cmd.CliSupport;
import dev.gretun.cmd.Output;
import dev.gretun.core.netcheck.NatClassifier;
import dev.gretun.core.netcheck.NatReport;
import dev.gretun.core.netcheck.Netcheck;
import dev.gretun.core.util.Durations;
import dev.gretun.core.util.HostPort;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code gretun netcheck}: what this host's NAT means for punching. JSON fields and the rules are
 * in docs/CLI.md ("gretun netcheck").
 */
@Command(
    name = "netcheck",
    mixinStandardHelpOptions = true,
    description = {
      "Check this host's NAT: UDP reachability of the STUN servers, mapping behaviour, port"
          + " preservation, filtering (RFC 5780 servers such as gretun-coord's), hairpinning, and"
          + " a verdict: easy, cone, hard or unknown.",
      "Give the coordinator (its host, STUN ports 3478 and 3479) or the STUN servers themselves."
    })
final class NetcheckCommand implements Callable<Integer> {
  @ParentCommand GretunRoot parent;
  @Spec CommandSpec spec;

  @Option(
      names = "--coordinator",
      paramLabel = "URL",
      description =
          "Coordinator URL: its host is asked on --stun-port and the port after it (gretun-coord"
              + " serves both).")
  String coordinator;

  @Option(
      names = "--stun-port",
      paramLabel = "N",
      defaultValue = "3478",
      description = "The coordinator's STUN port (default ${DEFAULT-VALUE}).")
  int stunPort;

  @Option(
      names = "--server",
      paramLabel = "HOST:PORT",
      split = ",",
      description =
          "STUN server (repeatable or comma-separated); give two to compare mappings. The first"
              + " is asked for RFC 5780 change-port/change-address answers.")
  List<String> servers = new ArrayList<>();

  @Option(
      names = "--timeout",
      paramLabel = "D",
      defaultValue = "2s",
      description = "Wait per phase (mapping, filtering; default ${DEFAULT-VALUE}).")
  String timeout;

  record ServerJson(String server, boolean answered, String mapped) {}

  record NetcheckJson(
      boolean udp,
      List<ServerJson> servers,
      String mapping,
      Boolean port_preserved,
      String filtering,
      Boolean hairpin,
      List<String> public_endpoints,
      String nat,
      String verdict) {}

  @Override
  public Integer call() throws IOException {
    Duration limit;
    try {
      limit = Durations.parsePositive(timeout);
    } catch (IllegalArgumentException e) {
      throw usage("--timeout: " + e.getMessage());
    }
    List<InetSocketAddress> targets = targets();
    var observations = Netcheck.observe(targets, limit);
    NatReport r = NatClassifier.classify(observations);
    PrintWriter out = spec.commandLine().getOut();
    if (parent.global.json) {
      var rows = new ArrayList<ServerJson>();
      for (var s : observations.servers()) {
        rows.add(
            new ServerJson(
                HostPort.format(s.server()),
                s.answered(),
                s.answered() ? HostPort.format(s.mapped()) : null));
      }
      Output.json(
          out,
          new NetcheckJson(
              r.udp(),
              rows,
              lower(r.mapping()),
              r.portPreserved(),
              lower(r.filtering()),
              r.hairpin(),
              r.publicEndpoints().stream().map(HostPort::format).toList(),
              r.type().wire(),
              r.verdict()));
    } else {
      for (var s : observations.servers()) {
        out.printf(
            "  %-24s %s%n",
            HostPort.format(s.server()),
            s.answered() ? "mapped " + HostPort.format(s.mapped()) : "no answer");
      }
      out.printf("udp:            %s%n", r.udp() ? "yes" : "no");
      out.printf("mapping:        %s%n", text(r.mapping()));
      out.printf("port preserved: %s%n", yesNo(r.portPreserved()));
      out.printf("filtering:      %s%n", text(r.filtering()));
      out.printf("hairpinning:    %s%n", yesNo(r.hairpin()));
      out.printf("verdict:        %s%n", r.verdict());
      out.flush();
    }
    return 0;
  }

  private List<InetSocketAddress> targets() {
    if ((coordinator == null) == servers.isEmpty()) {
      throw usage("pass --coordinator URL or --server HOST:PORT (one of them)");
    }
    var out = new ArrayList<InetSocketAddress>();
    try {
      if (coordinator != null) {
        if (stunPort < 1 || stunPort > 65534) {
          throw usage("--stun-port must be 1..65534");
        }
        String host = new URI(coordinator).getHost();
        if (host == null) {
          throw usage("--coordinator: '" + coordinator + "' has no host (https://HOST:PORT)");
        }
        String h = host.startsWith("[") ? host : host.contains(":") ? "[" + host + "]" : host;
        out.add(HostPort.parse(h + ":" + stunPort));
        out.add(HostPort.parse(h + ":" + (stunPort + 1)));
      } else {
        for (String s : servers) {
          out.add(HostPort.parse(s));
        }
      }
    } catch (URISyntaxException e) {
      throw usage("--coordinator: not a URL: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    return out;
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  private static String text(Enum<?> e) {
    return lower(e).replace('_', '-');
  }

  private static String yesNo(Boolean b) {
    return b == null ? "unknown" : b ? "yes" : "no";
  }

  private RuntimeException usage(String message) {
    return CliSupport.usageError(spec.commandLine(), message);
  }
}
