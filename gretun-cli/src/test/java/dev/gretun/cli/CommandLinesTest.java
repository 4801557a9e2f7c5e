package dev.gretun.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The start-up fast path ({@link CommandLines#commandLine(String...)}: the root and the one named
 * subcommand) behaves exactly like the full command line: same subcommands, same help, same usage
 * errors and exit codes.
 */
class CommandLinesTest {
  private record Outcome(int exit, String out, String err) {}

  private static Outcome run(CommandLine cl, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return new Outcome(cl.execute(args), out.toString(), err.toString());
  }

  @Test
  void theFastPathKnowsEverySubcommandButHelp() {
    Set<String> all = new TreeSet<>(CommandLines.commandLine().getSubcommands().keySet());
    all.remove("help");
    assertEquals(all, new TreeSet<>(CommandLines.SUBCOMMANDS.keySet()));
  }

  @Test
  void aNamedSubcommandGetsOnlyItsOwnModel() {
    CommandLine cl = CommandLines.commandLine("list", "--json");
    assertEquals(Set.of("list"), cl.getSubcommands().keySet());
    assertEquals(
        CommandLines.commandLine().getSubcommands().size(),
        CommandLines.commandLine("--json", "list").getSubcommands().size(),
        "an option first: the full command line");
  }

  @Test
  void helpAndUsageErrorsAreTheSameOnBothPaths() {
    for (String name : CommandLines.SUBCOMMANDS.keySet()) {
      for (String[] args :
          new String[][] {{name, "--help"}, {name, "--no-such-option"}, {name, "--json", "-x"}}) {
        Outcome full = run(CommandLines.commandLine(), args);
        Outcome fast = run(CommandLines.commandLine(args), args);
        assertEquals(full, fast, String.join(" ", args));
      }
    }
    Outcome help = run(CommandLines.commandLine("list", "--help"), "list", "--help");
    assertEquals(0, help.exit());
    assertTrue(help.out().startsWith("Usage: gretun list"), help.out());
    Outcome bad = run(CommandLines.commandLine("list", "--nope"), "list", "--nope");
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("Try 'gretun list --help'"), bad.err());
  }

  @Test
  void versionRunsOnTheFastPath() {
    Outcome v = run(CommandLines.commandLine("version", "--json"), "version", "--json");
    assertEquals(0, v.exit());
    assertTrue(v.out().contains("\"version\""), v.out());
  }
}
