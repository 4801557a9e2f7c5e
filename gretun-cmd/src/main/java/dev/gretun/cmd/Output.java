package dev.gretun.cmd;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.PrintWriter;

/** Writes a command's {@code --json} result as one pretty JSON document on the command's stdout. */
public final class Output {
  private static final ObjectWriter PRETTY = new ObjectMapper().writerWithDefaultPrettyPrinter();

  private Output() {}

  /** Serializes {@code value} (a record, map or list) as JSON followed by a newline. */
  public static void json(PrintWriter out, Object value) {
    json(out, PRETTY, value);
  }

  /** Same with the caller's writer, e.g. one with a naming strategy or null handling of its own. */
  public static void json(PrintWriter out, ObjectWriter writer, Object value) {
    try {
      out.println(writer.writeValueAsString(value));
      out.flush();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + value.getClass().getName(), e);
    }
  }
}
