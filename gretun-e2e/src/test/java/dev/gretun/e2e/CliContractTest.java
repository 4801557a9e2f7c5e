package dev.gretun.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The CLI contract of issue #2, exercised through the real launchers and shaded jars. */
class CliContractTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void versionJsonHasTheFourFields() throws Exception {
    Launchers.Result r = Launchers.run("gretun", "version", "--json");
    assertEquals(0, r.exit(), r.stderr());
    JsonNode json = MAPPER.readTree(r.stdout());
    for (String field : new String[] {"version", "commit", "build_time", "java_version"}) {
      assertTrue(json.hasNonNull(field), "missing " + field + " in " + r.stdout());
      assertFalse(json.get(field).asText().isBlank(), field);
    }
    assertTrue(json.get("version").asText().startsWith("0."), r.stdout());
    assertTrue(json.get("java_version").asText().startsWith("25"), r.stdout());
  }

  @Test
  void unknownSubcommandIsUsageErrorWithShortMessage() throws Exception {
    Launchers.Result r = Launchers.run("gretun", "nosuchcmd");
    assertEquals(2, r.exit());
    assertTrue(r.stderr().contains("nosuchcmd"), r.stderr());
    assertTrue(r.stderr().lines().count() <= 4, "no usage dump expected:\n" + r.stderr());
  }

  @Test
  void unknownOptionIsUsageErrorAndJsonErrorWhenAsked() throws Exception {
    Launchers.Result r = Launchers.run("gretun", "version", "--json", "--bogus");
    assertEquals(2, r.exit());
    JsonNode json = MAPPER.readTree(r.stdout());
    assertEquals("usage", json.get("code").asText());
    assertTrue(json.get("error").asText().contains("--bogus"), r.stdout());
  }

  @Test
  void helpExitsZero() throws Exception {
    Launchers.Result r = Launchers.run("gretun", "--help");
    assertEquals(0, r.exit(), r.stderr());
    assertTrue(r.stdout().contains("version"), r.stdout());
  }

  @Test
  void coordHelpAndVersionExitZero() throws Exception {
    Launchers.Result help = Launchers.run("gretun-coord", "--help");
    assertEquals(0, help.exit(), help.stderr());
    assertTrue(help.stdout().contains("gretun-coord"), help.stdout());
    Launchers.Result version = Launchers.run("gretun-coord", "--version");
    assertEquals(0, version.exit(), version.stderr());
    assertTrue(version.stdout().startsWith("gretun-coord 0."), version.stdout());
  }

  @Test
  void completionScriptWasGenerated() {
    assertTrue(
        java.nio.file.Files.isRegularFile(
            Launchers.ROOT.resolve("gretun-cli/target/gretun_completion.bash")));
  }

  @Test
  void upRejectsABadCoordinatorUrlAsUsageError() throws Exception {
    Launchers.Result r = Launchers.run("gretun", "up", "--coordinator", "foo");
    assertEquals(2, r.exit());
    assertTrue(r.stderr().contains("http://HOST:PORT"), r.stderr());
  }

  @Test
  void upRejectsABadCoordinatorListAsUsageError() throws Exception {
    Launchers.Result empty =
        Launchers.run("gretun", "up", "--coordinator", "https://c1:8443,,https://c2:8443");
    assertEquals(2, empty.exit(), empty.stderr());
    assertTrue(empty.stderr().contains("empty URL"), empty.stderr());
    Launchers.Result plain =
        Launchers.run("gretun", "up", "--coordinator", "https://c1:8443,http://c2:8080");
    assertEquals(2, plain.exit(), plain.stderr());
    assertTrue(plain.stderr().contains("http://c2:8080 is plain HTTP"), plain.stderr());
  }

  @Test
  void peersWithoutADaemonSaysSoInJson() throws Exception {
    Launchers.Result r =
        Launchers.run(
            "gretun", "peers", "--json", "--control-socket", "/nonexistent/gretun-test.sock");
    assertEquals(1, r.exit());
    JsonNode json = MAPPER.readTree(r.stdout());
    assertEquals("not_running", json.get("code").asText());
    assertTrue(json.get("error").asText().contains("gretun up"), r.stdout());
  }
}
