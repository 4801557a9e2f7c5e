package dev.gretun.coord.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.gretun.core.coord.CoordWire;
import java.io.PrintWriter;

/** {@code --json} output of the admin commands: snake_case, pretty, one document per run. */
final class JsonOut {
  private static final ObjectWriter WRITER = CoordWire.mapper().writerWithDefaultPrettyPrinter();

  private JsonOut() {}

  /** RFC 3339 UTC text, or null. */
  static String time(java.time.Instant t) {
    return t == null ? null : t.toString();
  }

  static void print(PrintWriter out, Object value) {
    try {
      out.println(WRITER.writeValueAsString(value));
      out.flush();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
