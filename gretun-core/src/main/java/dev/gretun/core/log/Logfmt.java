package dev.gretun.core.log;

/**
 * The one logfmt encoder: {@code key=value} pairs separated by single spaces. A value is written
 * bare when it is non-empty and holds no space, control character, {@code =}, {@code "} or {@code
 * \}; otherwise it is double-quoted with {@code \\}, {@code \"}, {@code \n}, {@code \r}, {@code \t}
 * and {@code \}{@code uXXXX} escapes (the rules of go-logfmt, which Loki, Grafana and {@code hl}
 * parse). A null value is the bare word {@code null}. Printable non-ASCII text stays as it is (the
 * line is UTF-8).
 */
public final class Logfmt {
  private Logfmt() {}

  /** Appends {@code key=value}, preceded by a space unless {@code line} is empty. */
  public static void appendPair(StringBuilder line, String key, String value) {
    if (!line.isEmpty()) {
      line.append(' ');
    }
    appendKey(line, key);
    line.append('=');
    appendValue(line, value);
  }

  /** Keys come from code, but a bad one must not break the line: unsafe characters become '_'. */
  static void appendKey(StringBuilder line, String key) {
    if (key.isEmpty()) {
      line.append('_');
      return;
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      line.append(c <= ' ' || c == '=' || c == '"' || c == '\\' || c >= 0x7f ? '_' : c);
    }
  }

  public static void appendValue(StringBuilder line, String value) {
    if (value == null) {
      line.append("null");
    } else if (!needsQuotes(value)) {
      line.append(value);
    } else {
      line.append('"');
      appendEscaped(line, value);
      line.append('"');
    }
  }

  static boolean needsQuotes(String value) {
    if (value.isEmpty()) {
      return true;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c <= ' '
          || c == '='
          || c == '"'
          || c == '\\'
          || isUnsafe(c)
          || isLoneSurrogate(value, i)) {
        return true;
      }
    }
    return false;
  }

  private static void appendEscaped(StringBuilder line, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> line.append("\\\"");
        case '\\' -> line.append("\\\\");
        case '\n' -> line.append("\\n");
        case '\r' -> line.append("\\r");
        case '\t' -> line.append("\\t");
        default -> {
          if (c < ' ' || isUnsafe(c)) {
            line.append(String.format("\\u%04x", (int) c));
          } else if (isLoneSurrogate(value, i)) {
            line.append("\\ufffd");
          } else {
            line.append(c);
          }
        }
      }
    }
  }

  /** DEL, the C1 controls and the Unicode line/paragraph separators would break a line reader. */
  private static boolean isUnsafe(char c) {
    return (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
  }

  private static boolean isLoneSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
    }
    if (Character.isLowSurrogate(c)) {
      return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
    }
    return false;
  }
}
