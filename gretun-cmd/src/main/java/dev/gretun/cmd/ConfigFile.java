package dev.gretun.cmd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed configuration file: one {@code key = value} per line, {@code #} starts a comment line,
 * blank lines are ignored. Keys are the long option names without {@code --}; values are taken
 * verbatim (no quoting), surrounding blanks removed. A line without {@code =}, an empty key or a
 * key given twice is an error that names the file and line.
 */
public record ConfigFile(Path path, Map<String, Entry> entries) {
  /** One {@code key = value} line. */
  public record Entry(String key, String value, int line) {}

  /** Thrown for a file that cannot be read or parsed; the message names the file and line. */
  public static final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
      super(message);
    }
  }

  public ConfigFile {
    entries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entries));
  }

  public static ConfigFile read(Path path) throws ConfigException {
    List<String> lines;
    try {
      lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + path + ": " + reason(e));
    }
    return parse(path, lines);
  }

  static ConfigFile parse(Path path, List<String> lines) throws ConfigException {
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      String where = path + ":" + (i + 1);
      if (eq < 0) {
        throw new ConfigException(where + ": expected 'key = value', got '" + line + "'");
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      if (key.isEmpty()) {
        throw new ConfigException(where + ": missing key before '='");
      }
      if (key.startsWith("-")) {
        throw new ConfigException(where + ": write the key without dashes: '" + strip(key) + "'");
      }
      Entry earlier = entries.putIfAbsent(key, new Entry(key, value, i + 1));
      if (earlier != null) {
        throw new ConfigException(
            where + ": key '" + key + "' already set on line " + earlier.line());
      }
    }
    return new ConfigFile(path, entries);
  }

  private static String strip(String key) {
    return key.replaceFirst("^-+", "");
  }

  private static String reason(IOException e) {
    return e instanceof java.nio.file.NoSuchFileException
        ? "no such file"
        : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.toString();
  }
}
