package dev.gretun.cli;

import dev.gretun.core.BuildInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The {@code gretun} command itself: its name, global options, version and help, without
 * subcommands. picocli inherits these attributes into {@link GretunCommand}, which adds all the
 * subcommands.
 */
@Command(
    name = "gretun",
    mixinStandardHelpOptions = true,
    versionProvider = GretunRoot.Version.class,
    description = "NAT-traversing peer-to-peer GRE overlay for Linux.",
    footer = {"", "Exit codes: 0 ok, 1 runtime failure, 2 usage error."})
public class GretunRoot implements Runnable {
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
