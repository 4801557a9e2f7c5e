package dev.gretun.cli;

import dev.gretun.core.log.Logging;
import java.io.PrintWriter;

/**
 * Entry point of {@code gretun.jar}. No picocli type appears in this class: the launcher looks up
 * {@code main} by reflection over all of this class's methods, which loads every type their
 * signatures name, and picocli's classes are what {@link QuickCommands} exists to avoid.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // Before logging is configured: the quick commands log nothing, and starting logback is tens
    // of milliseconds. Were one to log, logback would configure itself with LogbackSetup's
    // defaults, which are what Logging.configure gives the options QuickCommands accepts.
    if (QuickCommands.run(args, new PrintWriter(System.out, false, System.out.charset()))) {
      return; // exit status 0; System.exit would first start the JDK's System.Logger machinery
    }
    Logging.configure(args);
    System.exit(CommandLines.commandLine(args).execute(args));
  }
}
