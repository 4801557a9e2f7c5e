package dev.gretun.cli;

import dev.gretun.cmd.CliSupport;
import dev.gretun.core.log.Logging;
import picocli.CommandLine;

/** Entry point of {@code gretun.jar}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    Logging.configure(args);
    System.exit(commandLine().execute(args));
  }

  /** The fully wired command line; tests execute it in-process. */
  public static CommandLine commandLine() {
    return CliSupport.configure(new CommandLine(new GretunCommand()));
  }
}
