package dev.gretun.cli;

import dev.gretun.cmd.LogFormatOption;
import dev.gretun.core.log.LogFormat;
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

  @Option(
      names = "--log-format",
      scope = ScopeType.INHERIT,
      paramLabel = "FORMAT",
      converter = LogFormatOption.Converter.class,
      completionCandidates = LogFormatOption.Names.class,
      description = LogFormatOption.DESCRIPTION)
  LogFormat logFormat;
}
