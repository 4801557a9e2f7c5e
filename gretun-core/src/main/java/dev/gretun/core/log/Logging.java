package dev.gretun.core.log;

/**
 * Configures slf4j-simple before the first logger exists: one line per event on stderr, ISO
 * timestamps, INFO by default and DEBUG with {@code --verbose}. Messages themselves are written as
 * {@code event key=value ...}.
 */
public final class Logging {
  private Logging() {}

  /** Must run before any class creates a logger (call it first thing in main). */
  public static void configure(boolean verbose) {
    setDefault("org.slf4j.simpleLogger.logFile", "System.err");
    setDefault("org.slf4j.simpleLogger.showDateTime", "true");
    setDefault("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    setDefault("org.slf4j.simpleLogger.showThreadName", "false");
    setDefault("org.slf4j.simpleLogger.showShortLogName", "true");
    setDefault("org.slf4j.simpleLogger.levelInBrackets", "false");
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : "info");
    // Netty and sqlite are chatty at debug; keep them at info unless explicitly asked.
    setDefault("org.slf4j.simpleLogger.log.io.netty", "info");
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

  private static void setDefault(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
