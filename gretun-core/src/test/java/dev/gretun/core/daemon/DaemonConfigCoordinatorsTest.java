package dev.gretun.core.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --coordinator URL[,URL…]}: parsing, and the rules every URL of the list must pass. */
class DaemonConfigCoordinatorsTest {
  private static DaemonConfig config(String coordinators, Path ca, boolean insecureHttp) {
    return new DaemonConfig(
        DaemonConfig.parseCoordinators(coordinators),
        null,
        "n1",
        Path.of("/tmp/state"),
        DaemonConfig.DEFAULT_PORT,
        DataplaneMode.USERSPACE,
        DaemonConfig.DEFAULT_TUN,
        Path.of(DaemonConfig.DEFAULT_LOCAL_API_SOCKET),
        null,
        DaemonConfig.DEFAULT_OPENER_TTL,
        DaemonConfig.DEFAULT_PUNCH_TIMEOUT,
        ca,
        insecureHttp,
        false);
  }

  private static String refused(String coordinators, Path ca, boolean insecureHttp) {
    return assertThrows(
            IllegalArgumentException.class, () -> config(coordinators, ca, insecureHttp))
        .getMessage();
  }

  @Test
  void aCommaListKeepsItsOrderAndIgnoresSpaceAroundCommas() {
    DaemonConfig c = config("https://a.example:8443, https://b.example:8443", null, false);
    assertEquals(
        List.of(URI.create("https://a.example:8443"), URI.create("https://b.example:8443")),
        c.coordinators());
  }

  @Test
  void oneUrlIsAListOfOne() {
    assertEquals(
        List.of(URI.create("https://coord:8443")),
        config("https://coord:8443", null, false).coordinators());
  }

  @Test
  void emptyEntriesAreRefused() {
    assertTrue(refused("https://a:1,", null, false).contains("empty URL"));
    assertTrue(refused(",https://a:1", null, false).contains("empty URL"));
    assertTrue(refused("https://a:1,,https://b:1", null, false).contains("empty URL"));
  }

  @Test
  void aUrlNamedTwiceIsRefused() {
    assertTrue(refused("https://a:1,https://a:1", null, false).contains("twice"));
  }

  @Test
  void everyUrlMustBeAnHttpUrlWithAHost() {
    String m = refused("https://a:1,ftp://b:1", null, false);
    assertTrue(m.contains("'ftp://b:1'"), m);
    m = refused("https://a:1,b:1", null, false);
    assertTrue(m.contains("invalid --coordinator"), m);
    m = refused("https://a:1,https://b c", null, false);
    assertTrue(m.contains("'https://b c'"), m);
  }

  @Test
  void plainHttpNeedsInsecureHttpForEveryUrlAlike() {
    String m = refused("https://a:1,http://b:1", null, false);
    assertTrue(m.contains("http://b:1 is plain HTTP"), m);
    assertEquals(2, config("http://a:1,http://b:1", null, true).coordinators().size());
  }

  @Test
  void aCaFileNeedsHttpsForEveryUrl() {
    String m = refused("https://a:1,http://b:1", Path.of("/tmp/ca.pem"), true);
    assertTrue(m.contains("--coordinator-ca needs an https://"), m);
  }
}
