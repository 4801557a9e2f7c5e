package dev.gretun.coord;

import dev.gretun.cmd.CliSupport;
import dev.gretun.core.log.Logging;
import java.util.Set;
import picocli.CommandLine;

/** Entry point of {@code gretun-coord.jar}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    Logging.configure(args);
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    CommandLine cl = CliSupport.configure(new CommandLine(new CoordCommand()));
    return cl.setDefaultValueProvider(
        CliSupport.configFileDefaults(
            CoordCommand.DEFAULT_CONFIG, Set.of("json", "verbose", "init")));
  }
}
