package dev.gretun.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The top-level {@code gretun} command with every subcommand, for help, completion and man pages
 * (the generators read this class). {@link Main} builds it only when the command line does not
 * start with a subcommand's name; otherwise {@link GretunRoot} plus that one subcommand.
 */
@Command(
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
    })
public final class GretunCommand extends GretunRoot {}
