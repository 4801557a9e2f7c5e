package dev.gretun.core.log;

import java.util.Locale;

/** The two log line formats of {@code --log-format}. */
public enum LogFormat {
  /** {@code time=... level=info logger=Daemon event=peer_up peer=b ...} (the default). */
  LOGFMT,
  /** One JSON object per line: time, level, logger, event, then the fields. */
  JSON;

  /** Null for an unknown name (picocli then reports the bad value as a usage error). */
  public static LogFormat fromName(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "logfmt" -> LOGFMT;
      case "json" -> JSON;
      default -> null;
    };
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
