package dev.gretun.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.daemon.DataplaneMode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gretun up --config FILE}: the file sets defaults, flags win, unknown keys are refused. */
class UpConfigFileTest {
  @TempDir Path dir;
  private final StringWriter err = new StringWriter();

  private Path config(String text) throws IOException {
    Path file = dir.resolve("gretun.conf");
    Files.writeString(file, text);
    return file;
  }

  private UpCommand parse(String... args) {
    CommandLine cl = CommandLines.commandLine();
    CommandLine.ParseResult parsed = cl.parseArgs(args);
    return (UpCommand) parsed.subcommand().commandSpec().userObject();
  }

  private int execute(String... args) {
    CommandLine cl = CommandLines.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @Test
  void keysFromTheFileTakeEffect() throws IOException {
    Path file =
        config(
            """
            # a comment, then blank
            coordinator = https://coord.example:8443

            port = 41000
            dataplane = userspace
            insecure-http = true
            state-dir = /srv/gretun
            """);
    UpCommand up = parse("up", "--config", file.toString());
    assertEquals("https://coord.example:8443", up.coordinator);
    assertEquals(41000, up.port);
    assertEquals(DataplaneMode.USERSPACE, up.dataplane);
    assertTrue(up.insecureHttp);
    assertEquals(Path.of("/srv/gretun"), up.stateDir);
  }

  @Test
  void aFlagOverridesTheFile() throws IOException {
    Path file = config("coordinator = https://a.example\nport = 41000\n");
    UpCommand up =
        parse("up", "--config", file.toString(), "--port", "42000", "--coordinator", "https://b");
    assertEquals(42000, up.port);
    assertEquals("https://b", up.coordinator);
  }

  @Test
  void keysTheFileDoesNotSetKeepTheirDefaults() throws IOException {
    Path file = config("coordinator = https://a.example\n");
    UpCommand up = parse("up", "--config", file.toString());
    assertEquals(dev.gretun.core.daemon.DaemonConfig.DEFAULT_PORT, up.port);
    assertFalse(up.insecureHttp);
  }

  @Test
  void anUnknownKeyIsAUsageError() throws IOException {
    Path file = config("coordinator = https://a.example\nprot = 41000\n");
    assertEquals(2, execute("up", "--config", file.toString()));
    assertTrue(err.toString().contains("gretun.conf:2: unknown key 'prot'"), err.toString());
    assertTrue(err.toString().contains("port"), err.toString());
  }

  @Test
  void optionsThatAreNotSettingsAreRefusedInTheFile() throws IOException {
    Path file = config("coordinator = https://a.example\njson = true\n");
    assertEquals(2, execute("up", "--config", file.toString()));
    assertTrue(err.toString().contains("unknown key 'json'"), err.toString());
  }

  @Test
  void aLineWithoutEqualsIsAUsageError() throws IOException {
    Path file = config("coordinator https://a.example\n");
    assertEquals(2, execute("up", "--config", file.toString()));
    assertTrue(err.toString().contains("gretun.conf:1: expected 'key = value'"), err.toString());
  }

  @Test
  void aMissingConfigFileIsAUsageError() {
    assertEquals(2, execute("up", "--config", dir.resolve("absent.conf").toString()));
    assertTrue(err.toString().contains("absent.conf: no such file"), err.toString());
  }

  @Test
  void aBadValueInTheFileIsAUsageError() throws IOException {
    Path file = config("coordinator = https://a.example\nport = many\n");
    assertEquals(2, execute("up", "--config", file.toString()));
    assertTrue(err.toString().contains("many"), err.toString());
  }
}
