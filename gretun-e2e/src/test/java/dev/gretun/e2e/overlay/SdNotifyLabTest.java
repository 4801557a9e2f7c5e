package dev.gretun.e2e.overlay;

import static dev.gretun.e2e.lab.Lab.A;
import static dev.gretun.e2e.lab.Lab.NAT1;
import static dev.gretun.e2e.lab.Lab.NAT2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.os.NotifySocketReceiver;
import dev.gretun.e2e.Launchers;
import dev.gretun.e2e.lab.Lab;
import dev.gretun.e2e.lab.LabExtension;
import dev.gretun.e2e.lab.LabProcess;
import dev.gretun.e2e.lab.NatMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Type=notify} as systemd sees it: a real {@code gretun up} in the lab, told about a
 * datagram socket through {@code $NOTIFY_SOCKET} (a path, so it crosses the network namespace),
 * sends {@code READY=1} once the node is up — registered, with its tunnel address and control
 * socket — and {@code STOPPING=1} when {@code gretun down} stops it.
 */
@ExtendWith(LabExtension.class)
class SdNotifyLabTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void upSaysReadyWhenTheNodeIsUpAndStoppingOnDown(Lab lab, TestInfo info) throws Exception {
    lab.nat(NAT1, NatMode.PLAIN);
    lab.nat(NAT2, NatMode.PLAIN);
    Overlay o = new Overlay(lab, info.getTestMethod().orElseThrow().getName());
    o.startCoordinator();
    Path notify = dir.resolve("notify.sock");
    try (NotifySocketReceiver systemd = NotifySocketReceiver.bind(notify)) {
      Files.setPosixFilePermissions(
          notify, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      LabProcess up = o.up(A, Map.of("NOTIFY_SOCKET", systemd.name()));
      String ready =
          systemd
              .receive(Duration.ofSeconds(120)) // JVM start + registration on a loaded machine
              .orElseThrow(() -> new AssertionError("no READY=1 within 120 s\n" + up.report()));
      assertTrue(ready.lines().anyMatch("READY=1"::equals), ready);
      assertTrue(ready.contains("STATUS="), ready);

      // Ready means up: the coordinator has the node, and its control socket answers.
      o.coordinator().awaitLine("node_registered", Duration.ofSeconds(1));
      Launchers.Result peers =
          Launchers.run("gretun", "peers", "--json", "--control-socket", o.socket(A).toString());
      assertEquals(0, peers.exit(), peers.stderr());
      assertTrue(JSON.readTree(peers.stdout()).isArray(), peers.stdout());

      Launchers.Result down =
          Launchers.run("gretun", "down", "--control-socket", o.socket(A).toString());
      assertEquals(0, down.exit(), down.stderr());
      String stopping =
          systemd
              .receive(Duration.ofSeconds(30))
              .orElseThrow(() -> new AssertionError("no STOPPING=1 within 30 s\n" + up.report()));
      assertTrue(stopping.lines().anyMatch("STOPPING=1"::equals), stopping);
      assertEquals(0, up.waitFor(Duration.ofSeconds(30)), up.report());
    }
  }
}
