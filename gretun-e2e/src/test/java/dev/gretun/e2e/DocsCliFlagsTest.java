package dev.gretun.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/CLI.md must agree with the binaries: every {@code --flag} it mentions exists in the {@code
 * --help} of the command it is documented under. The file is read per command heading ({@code ##
 * gretun up}, {@code ### gretun-coord keys create}, …), so a section someone adds for a new command
 * is checked the same way; a flag quoted inside a command line of another command ({@code
 * `gretun-coord keys create --reusable`}) is checked against that command. The text before the
 * first command heading is about every command: its flags are checked against {@code gretun}.
 */
class DocsCliFlagsTest {
  /** "## gretun up", "### `gretun-coord keys create`", "## gretun probe HOST": words after it. */
  private static final Pattern HEADING =
      Pattern.compile("^#{2,4} +`?(gretun(?:-coord)?)(?![\\w-])((?: +[a-z][a-z0-9-]*)*)");

  private static final Pattern FLAG = Pattern.compile("(?<![\\w-])--(?:\\[no-\\])?[a-z][a-z0-9-]*");
  private static final Pattern CODE_SPAN = Pattern.compile("`([^`]+)`");
  private static final Pattern COMMAND_LINE =
      Pattern.compile("^(?:sudo +)?(gretun(?:-coord)?)(?![\\w-])((?: +[a-z][a-z0-9-]*)*)");

  private final Map<String, String> helpCache = new LinkedHashMap<>();

  @Test
  void everyFlagInCliMdIsInTheHelpOfItsCommand() throws Exception {
    Map<String, Set<String>> documented = documentedFlags(Launchers.ROOT.resolve("docs/CLI.md"));
    assertTrue(documented.size() > 3, "no command sections found in docs/CLI.md: " + documented);
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, Set<String>> e : documented.entrySet()) {
      String help = help(e.getKey());
      if (help == null) {
        missing.add("command `" + e.getKey() + "` (documented, but its --help fails)");
        continue;
      }
      for (String flag : e.getValue()) {
        if (!Pattern.compile("(?<![\\w-])" + Pattern.quote(flag) + "(?![\\w-])")
            .matcher(help)
            .find()) {
          missing.add(flag + " (documented for `" + e.getKey() + "`)");
        }
      }
    }
    assertEquals(List.of(), missing, "docs/CLI.md names flags the binaries do not have");
  }

  /** Command ("gretun up") → the flags its section of the file mentions. */
  private Map<String, Set<String>> documentedFlags(Path file) throws Exception {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    String section = "gretun";
    boolean inBlock = false;
    for (String line : Files.readAllLines(file)) {
      if (line.startsWith("```")) {
        inBlock = !inBlock;
        continue;
      }
      Matcher h = inBlock ? null : HEADING.matcher(line);
      if (h != null && h.find()) {
        section = resolve(h.group(1) + h.group(2));
        out.computeIfAbsent(section, k -> new LinkedHashSet<>());
        continue;
      }
      if (inBlock) {
        add(out, commandOf(line.strip(), section), line);
        continue;
      }
      // Flags inside a quoted command line belong to that command; the rest to the section's.
      StringBuilder rest = new StringBuilder();
      Matcher span = CODE_SPAN.matcher(line);
      int from = 0;
      while (span.find()) {
        rest.append(line, from, span.start()).append(' ');
        String code = span.group(1).strip();
        add(out, commandOf(code, section), code);
        from = span.end();
      }
      rest.append(line.substring(from));
      add(out, section, rest.toString());
    }
    return out;
  }

  private static void add(Map<String, Set<String>> out, String command, String text) {
    Matcher f = FLAG.matcher(text);
    while (f.find()) {
      String flag = f.group();
      Set<String> flags = out.computeIfAbsent(command, k -> new LinkedHashSet<>());
      if (flag.startsWith("--[no-]")) {
        flags.add("--" + flag.substring(7));
        flags.add("--no-" + flag.substring(7));
      } else {
        flags.add(flag);
      }
    }
  }

  /** The command a quoted command line runs, or {@code section} when it is not one. */
  private String commandOf(String code, String section) throws Exception {
    Matcher m = COMMAND_LINE.matcher(code);
    return m.find() ? resolve(m.group(1) + m.group(2)) : section;
  }

  /** The longest prefix of {@code words} that is a real command ("gretun up KEY" → "gretun up"). */
  private String resolve(String words) throws Exception {
    String[] w = words.strip().split(" +");
    for (int n = w.length; n > 1; n--) {
      String candidate = String.join(" ", java.util.Arrays.copyOf(w, n));
      if (help(candidate) != null) {
        return candidate;
      }
    }
    return w[0];
  }

  /** The command's --help with picocli's {@code --[no-]x} spelled out; null if it fails. */
  private String help(String command) throws Exception {
    if (!helpCache.containsKey(command)) {
      String[] w = command.split(" ");
      List<String> args = new ArrayList<>(List.of(w).subList(1, w.length));
      args.add("--help");
      Launchers.Result r = Launchers.run(w[0], args.toArray(String[]::new));
      String text = r.exit() == 0 ? r.stdout() : null;
      if (text != null) {
        text = text.replaceAll("--\\[no-\\]([a-z][a-z0-9-]*)", "--$1 --no-$1");
      }
      helpCache.put(command, text);
    }
    return helpCache.get(command);
  }
}
