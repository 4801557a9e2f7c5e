package dev.gretun.cli;

import dev.gretun.cmd.Output;
import dev.gretun.core.BuildInfo;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code gretun version}: build facts. JSON fields: version, commit, build_time, java_version. */
@Command(
    name = "version",
    mixinStandardHelpOptions = true,
    description = "Print version, commit, build time and Java runtime.")
final class VersionCommand implements Callable<Integer> {
  @ParentCommand GretunRoot parent;
  @Spec CommandSpec spec;

  record VersionJson(String version, String commit, String build_time, String java_version) {}

  @Override
  public Integer call() {
    print(spec.commandLine().getOut(), parent.global.json);
    return 0;
  }

  /** The output, shared with {@link QuickCommands}. */
  static void print(PrintWriter out, boolean json) {
    BuildInfo info = BuildInfo.current();
    if (json) {
      Output.json(
          out,
          new VersionJson(info.version(), info.commit(), info.buildTime(), info.javaVersion()));
    } else {
      out.printf(
          "gretun %s%ncommit  %s%nbuilt   %s%njava    %s%n",
          info.version(), info.commit(), info.buildTime(), info.javaVersion());
    }
  }
}
