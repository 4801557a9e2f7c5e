package dev.gretun.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Options every gretun command accepts; inherited by all subcommands. */
public final class GlobalOptions {
  @Option(
      names = "--json",
      scope = ScopeType.INHERIT,
      description = "Print machine-readable JSON on stdout (stable field names, see docs/CLI.md).")
  boolean json;

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "Debug logs on stderr.")
  boolean verbose;
}
