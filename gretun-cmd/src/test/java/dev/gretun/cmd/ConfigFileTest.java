package dev.gretun.cmd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigFileTest {
  private static final Path FILE = Path.of("/etc/gretun/x.conf");

  @Test
  void parsesKeyValueLinesSkippingCommentsAndBlanks() throws Exception {
    ConfigFile f = ConfigFile.parse(FILE, List.of("# c", "", "  a = 1 ", "b=x = y", "c ="));
    assertEquals("1", f.entries().get("a").value());
    assertEquals("x = y", f.entries().get("b").value());
    assertEquals("", f.entries().get("c").value());
    assertEquals(4, f.entries().get("b").line());
  }

  @Test
  void aKeyGivenTwiceIsAnError() {
    var e =
        assertThrows(
            ConfigFile.ConfigException.class, () -> ConfigFile.parse(FILE, List.of("a=1", "a=2")));
    assertEquals("/etc/gretun/x.conf:2: key 'a' already set on line 1", e.getMessage());
  }

  @Test
  void dashesAndMissingKeysAreErrors() {
    var dashes =
        assertThrows(
            ConfigFile.ConfigException.class, () -> ConfigFile.parse(FILE, List.of("--port=1")));
    assertTrue(dashes.getMessage().contains("without dashes: 'port'"), dashes.getMessage());
    var empty =
        assertThrows(ConfigFile.ConfigException.class, () -> ConfigFile.parse(FILE, List.of("=1")));
    assertTrue(empty.getMessage().contains(":1: missing key"), empty.getMessage());
  }
}
