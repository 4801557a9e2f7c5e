package dev.gretun.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** What docs/CLI.md's introduction promises about errors and durations. */
class CliDocClaimsTest {
  private final StringWriter out = new StringWriter();

  private int run(String... args) {
    var cl = CommandLines.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(new StringWriter(), true));
    return cl.execute(args);
  }

  private String code() throws Exception {
    return new ObjectMapper().readTree(out.toString()).get("code").asText();
  }

  @Test
  void gretunsOwnFlagRulesReportTheCodeUsage() throws Exception {
    assertEquals(
        2,
        run("create", "--name", "lo", "--local", "192.0.2.1", "--remote", "192.0.2.2", "--json"));
    assertEquals("usage", code());
  }

  @Test
  void isoDurationsAreRefusedAsUsageErrors() throws Exception {
    assertEquals(2, run("stun", "--server", "127.0.0.1:3478", "--timeout", "PT5S", "--json"));
    assertEquals("usage", code());
  }

  @Test
  void unknownLogFormatIsAUsageError() throws Exception {
    assertEquals(2, run("list", "--log-format", "xml", "--json"));
    assertEquals("usage", code());
  }
}
