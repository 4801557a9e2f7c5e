package dev.gretun.core.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/**
 * Logging of both programs: one line per event on stderr, logfmt by default or JSON with {@code
 * --log-format json}, INFO by default and DEBUG with {@code --verbose}. Statements are written as
 * {@code log.info("event key={} ...", value)}; {@link LogLayout} quotes and escapes the values.
 */
public final class Logging {
  /** The option both programs declare; read here from the raw arguments, before picocli runs. */
  public static final String LOG_FORMAT_OPTION = "--log-format";

  private Logging() {}

  /** Call first thing in main, before the first log statement. */
  public static void configure(boolean verbose) {
    configure(verbose, LogFormat.LOGFMT);
  }

  public static void configure(boolean verbose, LogFormat format) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      LogbackSetup.install(context, verbose ? Level.DEBUG : Level.INFO, format);
    }
  }

  /** Configures from the raw argument list (picocli validates the same options afterwards). */
  public static void configure(String[] args) {
    configure(wantsVerbose(args), logFormat(args));
  }

  /** True when the raw argument list asks for verbose logging (before picocli has parsed it). */
  public static boolean wantsVerbose(String[] args) {
    for (String a : args) {
      if (a.equals("--verbose") || a.equals("-v")) {
        return true;
      }
      if (a.equals("--")) {
        break;
      }
    }
    return false;
  }

  /** The {@code --log-format} of the raw arguments; logfmt when absent or not a known name. */
  public static LogFormat logFormat(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String value = null;
      if (args[i].equals(LOG_FORMAT_OPTION) && i + 1 < args.length) {
        value = args[i + 1];
      } else if (args[i].startsWith(LOG_FORMAT_OPTION + "=")) {
        value = args[i].substring(LOG_FORMAT_OPTION.length() + 1);
      } else if (args[i].equals("--")) {
        break;
      }
      if (value != null) {
        LogFormat f = LogFormat.fromName(value);
        return f == null ? LogFormat.LOGFMT : f;
      }
    }
    return LogFormat.LOGFMT;
  }
}
