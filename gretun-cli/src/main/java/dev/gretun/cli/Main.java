package dev.gretun.cli;

import dev.gretun.cmd.CliSupport;
import dev.gretun.cmd.ConfigFileDefaults;
import dev.gretun.core.log.Logging;
import java.util.Set;
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
    CommandLine cl = CliSupport.configure(new CommandLine(new GretunCommand()));
    return cl.setDefaultValueProvider(
        new ConfigFileDefaults(UpCommand.DEFAULT_CONFIG, Set.of("json", "verbose")));
  }
}
