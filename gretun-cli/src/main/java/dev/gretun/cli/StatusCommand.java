package dev.gretun.cli;

import dev.gretun.cmd.Output;
import dev.gretun.core.tunnel.TunnelStatus;
import dev.gretun.core.tunnel.TunnelValidation;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code gretun status}: one tunnel in detail. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "Show one GRE tunnel: endpoints, key, encapsulation, MTU, state, counters.")
final class StatusCommand implements Callable<Integer> {
  @ParentCommand GretunRoot parent;
  @Spec CommandSpec spec;

  @Option(names = "--name", required = true, description = "Tunnel interface name.")
  String name;

  @Override
  public Integer call() {
    TunnelCommands.validated(spec.commandLine(), () -> TunnelValidation.name(name));
    TunnelStatus t = TunnelCommands.withService(s -> s.status(name));
    PrintWriter out = spec.commandLine().getOut();
    if (parent.global.json) {
      Output.json(out, t);
      return 0;
    }
    out.printf(
        "tunnel   %s (%s)%s%n", t.name(), t.kind(), t.managed() ? "" : " not made by gretun");
    out.printf("state    %s%n", t.up() ? "up, " + t.oper_state() : "down");
    out.printf("local    %s%n", t.local_ip() == null ? "any" : t.local_ip());
    out.printf("remote   %s%n", t.remote_ip() == null ? "any" : t.remote_ip());
    out.printf("key      %s%n", t.key() == null ? "none" : t.key());
    out.printf("ttl      %s%n", t.ttl() == 0 ? "inherit" : t.ttl());
    out.printf("encap    %s%n", encapText(t));
    if (t.fou_port() != null) {
      out.printf("fou port %d%n", t.fou_port());
    }
    out.printf("mtu      %d%n", t.mtu());
    out.printf("address  %s%n", t.addresses().isEmpty() ? "-" : String.join(", ", t.addresses()));
    out.printf(
        "rx       %d packets, %d bytes, %d errors, %d dropped%n",
        t.rx_packets(), t.rx_bytes(), t.rx_errors(), t.rx_dropped());
    out.printf(
        "tx       %d packets, %d bytes, %d errors, %d dropped%n",
        t.tx_packets(), t.tx_bytes(), t.tx_errors(), t.tx_dropped());
    out.flush();
    return 0;
  }

  static String encapText(TunnelStatus t) {
    if (t.encap_dport() == null) {
      return t.encap();
    }
    return t.encap()
        + " "
        + (t.encap_sport() == 0 ? "auto" : t.encap_sport())
        + "->"
        + t.encap_dport()
        + (Boolean.TRUE.equals(t.encap_csum()) ? " csum" : "");
  }
}
