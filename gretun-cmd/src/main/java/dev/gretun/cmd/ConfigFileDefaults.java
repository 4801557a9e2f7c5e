package dev.gretun.cmd;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option defaults from a configuration file ({@link ConfigFile}): a flag on the command line wins
 * over the file, the file over the built-in default. The file belongs to the command that declares
 * {@value #CONFIG_OPTION} (the owner): its path is that option's value, else {@code defaultPath}
 * when that exists. Every key must be a long option of the owner, except those in {@code
 * notInFile}; anything else is a usage error (exit 2), never ignored. Subcommands of the owner take
 * the keys that name one of their own options (e.g. {@code state-dir} for the coordinator's admin
 * commands).
 *
 * <p>picocli asks for defaults after it has matched the command line, so {@value #CONFIG_OPTION} is
 * known by then.
 */
public final class ConfigFileDefaults implements IDefaultValueProvider {
  public static final String CONFIG_OPTION = "--config";

  private static final Set<String> NEVER_IN_FILE = Set.of("help", "version", "config");

  private final Path defaultPath;
  private final Set<String> notInFile;
  private ConfigFile loaded;
  private Path loadedFrom;

  /**
   * @param defaultPath read when {@value #CONFIG_OPTION} is not given and the file exists
   * @param notInFile long option names (without dashes) that the file may not set
   */
  public ConfigFileDefaults(Path defaultPath, Set<String> notInFile) {
    this.defaultPath = defaultPath;
    this.notInFile = Set.copyOf(notInFile);
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option) || option.longestName().equals(CONFIG_OPTION)) {
      return null;
    }
    CommandSpec owner = owner(arg.command());
    if (owner == null) {
      return null;
    }
    ConfigFile file = file(owner);
    if (file == null) {
      return null;
    }
    ConfigFile.Entry entry = file.entries().get(key(option));
    if (entry == null || !allowed(option)) {
      return null;
    }
    return entry.value();
  }

  /** The command that declares {@value #CONFIG_OPTION}: this one or its nearest parent. */
  private static CommandSpec owner(CommandSpec spec) {
    for (CommandSpec s = spec; s != null; s = s.parent()) {
      if (s.findOption(CONFIG_OPTION) != null) {
        return s;
      }
    }
    return null;
  }

  private ConfigFile file(CommandSpec owner) {
    Path given = owner.findOption(CONFIG_OPTION).getValue();
    Path path = given != null ? given : Files.exists(defaultPath) ? defaultPath : null;
    if (path == null) {
      return null;
    }
    if (loaded == null || !path.equals(loadedFrom)) {
      try {
        loaded = check(ConfigFile.read(path), owner);
      } catch (ConfigFile.ConfigException e) {
        throw CliSupport.usageError(owner.commandLine(), e.getMessage());
      }
      loadedFrom = path;
    }
    return loaded;
  }

  private ConfigFile check(ConfigFile file, CommandSpec owner) throws ConfigFile.ConfigException {
    Set<String> keys = new TreeSet<>();
    for (OptionSpec o : owner.options()) {
      if (allowed(o)) {
        keys.add(key(o));
      }
    }
    for (ConfigFile.Entry e : file.entries().values()) {
      if (!keys.contains(e.key())) {
        throw new ConfigFile.ConfigException(
            file.path()
                + ":"
                + e.line()
                + ": unknown key '"
                + e.key()
                + "' for '"
                + owner.qualifiedName()
                + "'; known keys: "
                + String.join(", ", keys));
      }
    }
    return file;
  }

  private boolean allowed(OptionSpec option) {
    String key = key(option);
    return option.longestName().startsWith("--")
        && !NEVER_IN_FILE.contains(key)
        && !notInFile.contains(key)
        && !option.usageHelp()
        && !option.versionHelp();
  }

  private static String key(OptionSpec option) {
    return option.longestName().replaceFirst("^--", "");
  }
}
