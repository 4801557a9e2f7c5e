package dev.gretun.core.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scraped Prometheus text exposition, read for tests: families with their HELP text, and sample
 * lines. Shared by the unit tests and the e2e tests that scrape real processes.
 */
public final class Exposition {
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$");

  private final Map<String, String> help = new LinkedHashMap<>();
  private final List<String> typed = new ArrayList<>();
  private final List<String> samples = new ArrayList<>();

  private Exposition(String text) {
    for (String line : text.split("\n")) {
      if (line.startsWith("# HELP ")) {
        String[] p = line.substring(7).split(" ", 2);
        help.put(p[0], p.length > 1 ? p[1].strip() : "");
      } else if (line.startsWith("# TYPE ")) {
        typed.add(line.substring(7).split(" ", 2)[0]);
      } else if (!line.isBlank() && !line.startsWith("#")) {
        samples.add(line);
      }
    }
  }

  public static Exposition parse(String text) {
    return new Exposition(text);
  }

  /** Families (per TYPE line) whose HELP line is missing or empty; should be empty. */
  public List<String> familiesWithoutHelp() {
    List<String> out = new ArrayList<>();
    for (String family : typed) {
      if (help.getOrDefault(family, "").isEmpty()) {
        out.add(family);
      }
    }
    return out;
  }

  public List<String> families() {
    return typed;
  }

  /**
   * The value of the first sample named {@code name} whose labels contain every {@code k="v"} given
   * as {@code labels} (e.g. {@code "reason=\"malformed\""}).
   */
  public OptionalDouble value(String name, String... labels) {
    for (String s : samples) {
      Matcher m = SAMPLE.matcher(s);
      if (!m.matches() || !m.group(1).equals(name)) {
        continue;
      }
      String l = m.group(2) == null ? "" : m.group(2);
      boolean all = true;
      for (String want : labels) {
        all &= l.contains(want);
      }
      if (all) {
        return OptionalDouble.of(Double.parseDouble(m.group(3)));
      }
    }
    return OptionalDouble.empty();
  }

  /** The label block of the first sample named {@code name}, e.g. {@code {commit="..",...}}. */
  public String labels(String name) {
    for (String s : samples) {
      Matcher m = SAMPLE.matcher(s);
      if (m.matches() && m.group(1).equals(name)) {
        return m.group(2) == null ? "" : m.group(2);
      }
    }
    return null;
  }
}
