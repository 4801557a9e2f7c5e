package dev.gretun.cli;

import dev.gretun.core.tunnel.TunnelStatus;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code gretun list}: every gre/gretap tunnel of this network namespace. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "List GRE tunnels (gre and gretap) with encapsulation, state and counters.")
final class ListCommand implements Callable<Integer> {
  @ParentCommand GretunRoot parent;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    print(spec.commandLine().getOut(), parent.global.json, TunnelCommands.list());
    return 0;
  }

  /** The output for {@code tunnels}, shared with {@link QuickCommands}. */
  static void print(PrintWriter out, boolean json, List<TunnelStatus> tunnels) {
    if (json) {
      TunnelListJson.print(out, tunnels);
      return;
    }
    if (tunnels.isEmpty()) {
      out.println("no GRE tunnels");
      out.flush();
      return;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "NAME", "KIND", "LOCAL", "REMOTE", "KEY", "ENCAP", "MTU", "STATE", "ADDRESS"
        });
    for (TunnelStatus t : tunnels) {
      rows.add(
          new String[] {
            t.name(),
            t.kind(),
            nz(t.local_ip()),
            nz(t.remote_ip()),
            t.key() == null ? "-" : t.key().toString(),
            StatusCommand.encapText(t),
            Integer.toString(t.mtu()),
            t.up() ? t.oper_state() : "down",
            t.addresses().isEmpty() ? "-" : String.join(",", t.addresses())
          });
    }
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
      }
      out.println(line.toString().stripTrailing());
    }
    out.flush();
  }

  private static String nz(String s) {
    return s == null ? "-" : s;
  }
}
