package dev.gretun.core.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParsingTest {
  @Test
  void durations() {
    assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
    assertEquals(Duration.ofSeconds(10), Durations.parse("10s"));
    assertEquals(Duration.ofMinutes(2), Durations.parse(" 2m "));
    assertEquals(Duration.ofDays(7), Durations.parse("7d"));
    assertEquals("1500ms", Durations.format(Duration.ofMillis(1500)));
    assertEquals("30s", Durations.format(Duration.ofSeconds(30)));
    assertEquals("2h", Durations.format(Duration.ofHours(2)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "10", "s", "-1s", "1.5s", "10 s", "1y"})
  void badDurationsSayWhatToWrite(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
    assertTrue(e.getMessage().contains("e.g. 10s"), e.getMessage());
  }

  @Test
  void hostPorts() {
    assertEquals(new InetSocketAddress("127.0.0.1", 3478), HostPort.parse("127.0.0.1:3478"));
    assertEquals(3478, HostPort.parse(":3478").getPort());
    assertTrue(HostPort.parse(":3478").getAddress().isAnyLocalAddress());
    assertEquals("[0:0:0:0:0:0:0:1]:7", HostPort.format(HostPort.parse("[::1]:7")));
    assertEquals("10.0.0.1:7777", HostPort.format(HostPort.parse("10.0.0.1:7777")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "::1:5", "[::1]5", "h:x"})
  void badHostPorts(String text) {
    assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text));
  }
}
