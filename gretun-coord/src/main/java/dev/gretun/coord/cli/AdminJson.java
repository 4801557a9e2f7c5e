package dev.gretun.coord.cli;

import com.fasterxml.jackson.databind.ObjectWriter;
import dev.gretun.core.coord.CoordWire;
import java.time.Instant;

/** {@code --json} output of the admin commands: the coordinator's wire naming (snake_case). */
final class AdminJson {
  static final ObjectWriter WRITER = CoordWire.mapper().writerWithDefaultPrettyPrinter();

  private AdminJson() {}

  /** RFC 3339 UTC text, or null. */
  static String time(Instant t) {
    return t == null ? null : t.toString();
  }
}
