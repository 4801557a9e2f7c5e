package dev.gretun.core.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SdNotifyTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @Test
  void readyArrivesAsOneDatagramOnAPathSocket(@TempDir Path dir) throws Exception {
    try (NotifySocketReceiver systemd = NotifySocketReceiver.bind(dir.resolve("notify"))) {
      SdNotify notify = SdNotify.forSocket(systemd.name());
      assertTrue(notify.enabled());
      notify.ready("node up");
      assertEquals(Optional.of("READY=1\nSTATUS=node up"), systemd.receive(WAIT));
      notify.stopping();
      assertEquals(Optional.of("STOPPING=1"), systemd.receive(WAIT));
    }
  }

  @Test
  void abstractSocketNamesWork() throws Exception {
    String name = "@gretun-test-notify-" + ThreadLocalRandom.current().nextLong(1L << 40);
    try (NotifySocketReceiver systemd = NotifySocketReceiver.bind(name)) {
      SdNotify.forSocket(name).ready("listening");
      assertEquals(Optional.of("READY=1\nSTATUS=listening"), systemd.receive(WAIT));
    }
  }

  @Test
  void withoutNotifySocketNothingIsSent() throws Exception {
    SdNotify none = SdNotify.forSocket(null);
    assertFalse(none.enabled());
    none.ready("ignored");
    assertFalse(SdNotify.forSocket("").enabled());
  }

  @Test
  void aMissingSocketIsAnErrnoNotACrash(@TempDir Path dir) {
    SdNotify notify = SdNotify.forSocket(dir.resolve("absent").toString());
    ErrnoException e = assertThrows(ErrnoException.class, () -> notify.ready("x"));
    assertTrue(e.getMessage().contains("sendto"), e.getMessage());
  }

  @Test
  void aNameLongerThanSunPathIsRefused() {
    SdNotify notify = SdNotify.forSocket("/" + "x".repeat(SdNotify.SUN_PATH_MAX));
    assertThrows(IllegalArgumentException.class, () -> notify.ready("x"));
  }
}
