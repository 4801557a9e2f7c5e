package dev.gretun.core.log;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads a log statement written as {@code "event key={} key2={} ..."} with its slf4j arguments into
 * a {@link LogLine}, so that the encoder, not the statement, quotes each value. A value written
 * with quotes in the statement ({@code key="{}"}) is unquoted first; a value mixing text and
 * placeholders ({@code key={}:{}}) becomes one string. A message that does not start with a
 * lower-case event name followed by at least one {@code key=} (a library's free text) is kept whole
 * as {@code msg}.
 */
public final class LogTemplate {
  private static final Pattern EVENT = Pattern.compile("[a-z0-9_.:-]+");
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final String PLACEHOLDER = "{}";

  private final String template;
  private final Object[] args;
  private int nextArg;

  private LogTemplate(String template, Object[] args) {
    this.template = template == null ? "" : template;
    this.args = args == null ? new Object[0] : args;
  }

  public static LogLine parse(String template, Object[] args) {
    return new LogTemplate(template, args).parse();
  }

  private LogLine parse() {
    List<String> tokens = tokens(template);
    if (tokens.isEmpty() || !EVENT.matcher(tokens.getFirst()).matches()) {
      return new LogLine(null, List.of(), substitute(template));
    }
    List<LogLine.Field> fields = new ArrayList<>();
    List<String> rest = new ArrayList<>();
    for (String token : tokens.subList(1, tokens.size())) {
      int eq = token.indexOf('=');
      if (eq > 0 && KEY.matcher(token.substring(0, eq)).matches()) {
        fields.add(new LogLine.Field(token.substring(0, eq), value(token.substring(eq + 1))));
      } else {
        rest.add(substitute(token));
      }
    }
    if (fields.isEmpty() && !rest.isEmpty()) {
      nextArg = 0;
      return new LogLine(null, List.of(), substitute(template));
    }
    return new LogLine(tokens.getFirst(), fields, rest.isEmpty() ? null : String.join(" ", rest));
  }

  private Object value(String valueTemplate) {
    String v = valueTemplate;
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      v = v.substring(1, v.length() - 1);
    }
    if (v.equals(PLACEHOLDER) && nextArg < args.length) {
      return args[nextArg++];
    }
    return substitute(v);
  }

  private String substitute(String text) {
    StringBuilder out = new StringBuilder();
    int from = 0;
    int at;
    while ((at = text.indexOf(PLACEHOLDER, from)) >= 0 && nextArg < args.length) {
      out.append(text, from, at).append(LogValues.text(args[nextArg++]));
      from = at + PLACEHOLDER.length();
    }
    return out.append(text, from, text.length()).toString();
  }

  /** Splits on spaces, keeping {@code key="a b"} together. */
  static List<String> tokens(String s) {
    List<String> tokens = new ArrayList<>();
    StringBuilder token = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' && (quoted ? s.charAt(i - 1) != '\\' : i > 0 && s.charAt(i - 1) == '=')) {
        quoted = !quoted;
      }
      if (c == ' ' && !quoted) {
        if (!token.isEmpty()) {
          tokens.add(token.toString());
          token.setLength(0);
        }
      } else {
        token.append(c);
      }
    }
    if (!token.isEmpty()) {
      tokens.add(token.toString());
    }
    return tokens;
  }
}
