package dev.gretun.core.daemon.localapi;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One local API request: {@code {"cmd":"ping","peer":"b","timeout_ms":2000}}: the command and its
 * arguments (the other fields of the line).
 */
public record LocalApiRequest(String cmd, JsonNode body) {
  private static final int MAX_TEXT = 256;

  /** A string argument, or null when absent; refuses values longer than 256 characters. */
  public String text(String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual() || v.asText().length() > MAX_TEXT) {
      throw new IllegalArgumentException(field + " must be a string of at most 256 characters");
    }
    return v.asText();
  }

  /** An integer argument within {@code [min, max]}, or {@code fallback} when absent. */
  public long number(String field, long min, long max, long fallback) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
      throw new IllegalArgumentException(field + " must be an integer in " + min + ".." + max);
    }
    return v.asLong();
  }
}
