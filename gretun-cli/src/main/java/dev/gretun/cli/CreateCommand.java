package dev.gretun.cli;

import dev.gretun.cmd.Output;
import dev.gretun.core.tunnel.CreateRequest;
import dev.gretun.core.tunnel.CreateResult;
import dev.gretun.core.tunnel.TunnelStatus;
import dev.gretun.core.tunnel.TunnelValidation;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code gretun create}: one static GRE tunnel (optionally GRE-in-UDP via FOU). */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = {
      "Create a GRE tunnel device, bring it up, and optionally address it.",
      "With --encap fou the kernel FOU receive port (--fou-port) is opened when absent."
    })
final class CreateCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(CreateCommand.class);

  @ParentCommand GretunRoot parent;
  @Spec CommandSpec spec;

  @Option(names = "--name", required = true, description = "Interface name (≤ 15 characters).")
  String name;

  @Option(names = "--local", required = true, description = "Outer local IPv4 address.")
  String local;

  @Option(names = "--remote", required = true, description = "Outer remote IPv4 address.")
  String remote;

  @Option(names = "--key", description = "GRE key 1-4294967295 (both directions). Default: none.")
  Long key;

  @Option(names = "--ttl", description = "Outer TTL 1-255. Default: 64.")
  Integer ttl;

  @Option(names = "--type", description = "gre (layer 3, default) or gretap (Ethernet).")
  String type;

  @Option(names = "--encap", description = "none (default) or fou (GRE in UDP).")
  String encap;

  @Option(
      names = "--encap-sport",
      description = "UDP source port 1-65535 or 'auto' (kernel flow hash). Default: --fou-port.")
  String encapSport;

  @Option(names = "--encap-dport", description = "UDP destination port: the peer's FOU port.")
  Integer encapDport;

  @Option(
      names = "--encap-csum",
      negatable = true,
      description = "Outer UDP checksum. Default: --no-encap-csum (see docs/CLI.md).")
  Boolean encapCsum;

  @Option(
      names = "--fou-port",
      description = "Local FOU receive port. Default: --encap-dport (symmetric setup).")
  Integer fouPort;

  @Option(names = "--tunnel-ip", description = "Address for the tunnel device, CIDR (a.b.c.d/N).")
  String tunnelIp;

  @Option(names = "--mtu", description = "576-9000. Default: 1468 with FOU (-4 keyed, -14 gretap).")
  Integer mtu;

  @Override
  public Integer call() {
    TunnelValidation.Result v =
        TunnelCommands.validated(
            spec.commandLine(),
            () ->
                TunnelValidation.validate(
                    new CreateRequest(
                        name,
                        local,
                        remote,
                        key,
                        ttl,
                        type,
                        encap,
                        encapSport,
                        encapDport,
                        encapCsum,
                        fouPort,
                        tunnelIp,
                        null,
                        mtu)));
    for (String w : v.warnings()) {
      LOG.warn("create_warning name={} message={}", name, w);
    }
    CreateResult r = TunnelCommands.withService(s -> s.create(v.spec(), v.warnings()));
    PrintWriter out = spec.commandLine().getOut();
    if (parent.global.json) {
      Output.json(out, r);
    } else {
      TunnelStatus t = r.tunnel();
      out.printf(
          "created %s %s (%s -> %s)%s%s%n",
          t.kind(),
          t.name(),
          t.local_ip(),
          t.remote_ip(),
          t.encap().equals("fou")
              ? " encap fou sport "
                  + (t.encap_sport() == 0 ? "auto" : t.encap_sport())
                  + " dport "
                  + t.encap_dport()
              : "",
          t.key() == null ? "" : " key " + t.key());
      if (t.fou_port() != null) {
        out.printf(
            "fou port %d %s%n", t.fou_port(), r.fou_port_created() ? "opened" : "already open");
      }
      for (String a : t.addresses()) {
        out.printf("address %s%n", a);
      }
      out.flush();
    }
    return 0;
  }
}
