package dev.gretun.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ExitCodeTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = CommandLines.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @Test
  void versionIsOk() {
    assertEquals(0, run("version"));
    assertTrue(out.toString().startsWith("gretun "), out.toString());
  }

  @Test
  void missingOptionValueIsUsageError() {
    assertEquals(2, run("--nope"));
    assertTrue(err.toString().contains("Try 'gretun --help'"), err.toString());
  }

  @Test
  void everySubcommandHasHelp() {
    CommandLine cl = CommandLines.commandLine();
    for (String name : cl.getSubcommands().keySet()) {
      StringWriter w = new StringWriter();
      CommandLine sub = CommandLines.commandLine();
      sub.setOut(new PrintWriter(w, true));
      assertEquals(0, sub.execute(name, "--help"), name);
      assertTrue(w.toString().contains("Usage:"), name + ": " + w);
    }
  }
}
