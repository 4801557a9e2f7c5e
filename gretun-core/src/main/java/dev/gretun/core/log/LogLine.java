package dev.gretun.core.log;

import java.util.List;

/**
 * One log statement split into its parts: the event name (the first word of the message, or null
 * when the message is free text such as a library's), its fields in order, and the leftover text
 * (null when the message was pure {@code event key=value ...}).
 */
public record LogLine(String event, List<Field> fields, String msg) {
  /** A field's value is the logged object itself (formatted by {@link LogValues}) or text. */
  public record Field(String key, Object value) {}
}
