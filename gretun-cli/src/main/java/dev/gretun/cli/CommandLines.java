package dev.gretun.cli;

import dev.gretun.cmd.CliSupport;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import picocli.CommandLine;

/** gretun's picocli command lines: every subcommand, or the root and the one a start needs. */
public final class CommandLines {
  /**
   * Every subcommand of {@link GretunCommand} but {@code help}, by name. picocli builds the model
   * of every subcommand (reflection over all their options) when the root command is constructed;
   * at start-up that is most of a short command's time (docs/BENCH.md "CLI start-up"), so a command
   * line that starts with one of these names gets the root and that subcommand only. {@code
   * CommandLinesTest} keeps this map equal to GretunCommand's list.
   */
  static final Map<String, Supplier<Object>> SUBCOMMANDS =
      Map.ofEntries(
          Map.entry("version", VersionCommand::new),
          Map.entry("peers", PeersCommand::new),
          Map.entry("up", UpCommand::new),
          Map.entry("stun", StunCommand::new),
          Map.entry("netcheck", NetcheckCommand::new),
          Map.entry("probe", ProbeCommand::new),
          Map.entry("health", HealthCommand::new),
          Map.entry("ping", PingCommand::new),
          Map.entry("down", DownCommand::new),
          Map.entry("create", CreateCommand::new),
          Map.entry("delete", DeleteCommand::new),
          Map.entry("list", ListCommand::new),
          Map.entry("status", StatusCommand::new));

  private CommandLines() {}

  /** The command line with every subcommand; tests execute it in-process. */
  public static CommandLine commandLine() {
    return wire(new CommandLine(new GretunCommand()));
  }

  /**
   * The command line for {@code args}: the root and only the subcommand {@code args} starts with,
   * or every subcommand when it starts with none of them (an option, {@code help}, a typo: the
   * root's usage and suggestions need them all).
   */
  public static CommandLine commandLine(String... args) {
    Supplier<Object> only = args.length == 0 ? null : SUBCOMMANDS.get(args[0]);
    if (only == null) {
      return commandLine();
    }
    return wire(new CommandLine(new GretunRoot()).addSubcommand(args[0], only.get()));
  }

  private static CommandLine wire(CommandLine cl) {
    return CliSupport.configure(cl)
        .setDefaultValueProvider(
            CliSupport.configFileDefaults(UpCommand.DEFAULT_CONFIG, Set.of("json", "verbose")));
  }
}
