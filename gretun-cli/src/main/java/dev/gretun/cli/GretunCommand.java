package dev.gretun.cli;

import dev.gretun.core.BuildInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The top-level {@code gretun} command; subcommands are registered in {@link Main#commandLine}. */
@Command(
    name = "gretun",
    mixinStandardHelpOptions = true,
    versionProvider = GretunCommand.Version.class,
    subcommands = {
      VersionCommand.class,
      PeersCommand.class,
      UpCommand.class,
      StunCommand.class,
      NetcheckCommand.class,
      ProbeCommand.class,
      HealthCommand.class,
      PingCommand.class,
      DownCommand.class,
      CommandLine.HelpCommand.class,
      CreateCommand.class,
      DeleteCommand.class,
      ListCommand.class,
      StatusCommand.class
    },
    description = "NAT-traversing peer-to-peer GRE overlay for Linux.",
    footer = {"", "Exit codes: 0 ok, 1 runtime failure, 2 usage error."})
public final class GretunCommand implements Runnable {
  @Mixin GlobalOptions global;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code --version} text. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"gretun " + BuildInfo.current().version()};
    }
  }
}
