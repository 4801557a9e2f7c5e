package dev.gretun.coord;

import dev.gretun.core.BuildInfo;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code gretun-coord}: the rendezvous server (registry, signal relay, STUN). */
@Command(
    name = "gretun-coord",
    mixinStandardHelpOptions = true,
    versionProvider = CoordCommand.Version.class,
    description = "gretun coordinator: node registry, sealed signal relay and STUN server.",
    footer = {"", "Exit codes: 0 ok, 1 runtime failure, 2 usage error."})
public final class CoordCommand implements Callable<Integer> {
  @Option(names = "--json", scope = ScopeType.INHERIT, description = "JSON output.")
  boolean json;

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "Debug logs on stderr.")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  /** {@code --version} text. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"gretun-coord " + BuildInfo.current().version()};
    }
  }
}
