package dev.gretun.cmd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.GretunException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class CliSupportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Command(name = "tool")
  static final class Tool implements Callable<Integer> {
    @Option(names = "--json")
    boolean json;

    @Option(names = "--verbose")
    boolean verbose;

    @Option(names = "--fail")
    String fail;

    @Override
    public Integer call() {
      if ("expected".equals(fail)) {
        throw new GretunException("no_luck", "it did not work", new RuntimeException("cause"));
      }
      if ("bug".equals(fail)) {
        throw new IllegalStateException("broken");
      }
      return CliSupport.EXIT_OK;
    }
  }

  record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cl = CliSupport.configure(new CommandLine(new Tool()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return new Run(cl.execute(args), out.toString(), err.toString());
  }

  @Test
  void usageErrorIsOneLineAndExitTwo() throws Exception {
    Run r = run("--nope", "--json");
    assertEquals(CliSupport.EXIT_USAGE, r.exit());
    assertEquals(
        "tool: Unknown option: '--nope'\nTry 'tool --help' for usage.\n",
        r.err().replace(System.lineSeparator(), "\n"));
    JsonNode body = JSON.readTree(r.out());
    assertEquals("usage", body.get("code").asText());
    assertEquals("Unknown option: '--nope'", body.get("error").asText());
  }

  @Test
  void expectedFailureIsItsMessageAndCode() throws Exception {
    Run r = run("--fail", "expected", "--json");
    assertEquals(CliSupport.EXIT_FAILURE, r.exit());
    assertEquals("tool: error: it did not work", r.err().strip());
    JsonNode body = JSON.readTree(r.out());
    assertEquals("no_luck", body.get("code").asText());
    assertEquals("it did not work", body.get("error").asText());
    assertTrue(run("--fail", "expected", "--verbose").err().contains("RuntimeException: cause"));
  }

  @Test
  void unexpectedFailureIsInternalWithStackTraceOnlyWhenVerbose() throws Exception {
    Run quiet = run("--fail", "bug");
    assertEquals(CliSupport.EXIT_FAILURE, quiet.exit());
    assertTrue(
        quiet.err().startsWith("tool: internal error: java.lang.IllegalStateException: broken"));
    assertTrue(quiet.err().contains("(run with --verbose for the stack trace)"));
    assertEquals("", quiet.out());
    Run verbose = run("--fail", "bug", "--verbose", "--json");
    assertFalse(verbose.err().contains("run with --verbose"));
    assertTrue(verbose.err().contains("\tat "), verbose.err());
    assertEquals("internal", JSON.readTree(verbose.out()).get("code").asText());
  }

  @Test
  void jsonOutputIsPrettyAndCustomWritersAreHonoured() throws Exception {
    StringWriter w = new StringWriter();
    Output.json(new PrintWriter(w), new Pair("a", null));
    assertEquals("{\n  \"first_name\" : \"a\",\n  \"last\" : null\n}\n", w.toString());
    StringWriter compact = new StringWriter();
    Output.json(new PrintWriter(compact), new ObjectMapper().writer(), new Pair("a", "b"));
    assertEquals("{\"first_name\":\"a\",\"last\":\"b\"}\n", compact.toString());
  }

  record Pair(String first_name, String last) {}
}
