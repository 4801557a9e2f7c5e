package dev.gretun.cli;

import dev.gretun.cmd.Output;
import dev.gretun.core.tunnel.DeleteResult;
import dev.gretun.core.tunnel.TunnelValidation;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code gretun delete}: removes a GRE tunnel and the FOU port gretun opened for it. */
@Command(
    name = "delete",
    mixinStandardHelpOptions = true,
    description = {
      "Delete a GRE tunnel. Its FOU port goes too when gretun opened it and no other tunnel uses it."
    })
final class DeleteCommand implements Callable<Integer> {
  @ParentCommand GretunRoot parent;
  @Spec CommandSpec spec;

  @Option(names = "--name", required = true, description = "Tunnel interface name.")
  String name;

  @Override
  public Integer call() {
    TunnelCommands.validated(spec.commandLine(), () -> TunnelValidation.name(name));
    DeleteResult r = TunnelCommands.withService(s -> s.delete(name));
    PrintWriter out = spec.commandLine().getOut();
    if (parent.global.json) {
      Output.json(out, r);
    } else {
      out.printf("deleted tunnel %s%n", r.name());
      if (r.fou_port_removed() != null) {
        out.printf("removed fou port %d%n", r.fou_port_removed());
      }
      if (r.fou_owner_moved_to() != null) {
        out.printf("fou port kept: still used by %s%n", r.fou_owner_moved_to());
      }
      out.flush();
    }
    return 0;
  }
}
