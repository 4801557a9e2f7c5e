package dev.gretun.core.daemon;

import static dev.gretun.core.daemon.ConnectRehearsal.node;
import static dev.gretun.core.daemon.ConnectRehearsal.step;
import static dev.gretun.core.daemon.ConnectRehearsal.stepUntilDirect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.GretunException;
import dev.gretun.core.daemon.ConnectRehearsal.Node;
import dev.gretun.core.util.FakeTicker;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A re-registration that hands us another tunnel address stops the daemon with a clear error. */
class TunnelIpChangeTest {
  private final FakeTicker clock = new FakeTicker();
  private final InMemoryNetwork net = new InMemoryNetwork();
  private final InMemoryCoordinator coordinator = new InMemoryCoordinator();
  private final List<GretunException> failures = new ArrayList<>();

  @Test
  void aNewAddressOnReRegistrationIsFatalOnce() {
    Node a = node(coordinator, net, clock, "a", "100.64.0.1", "192.0.2.1", failures);
    Node b = node(coordinator, net, clock, "b", "100.64.0.2", "198.51.100.2", failures);
    stepUntilDirect(coordinator, net, clock, a, b);

    coordinator.reregister(b.keys(), "100.64.0.2"); // same address: nothing happens
    step(coordinator, net, clock, 50, a, b);
    assertTrue(failures.isEmpty(), failures.toString());

    coordinator.reregister(b.keys(), "100.64.0.9");
    step(coordinator, net, clock, 50, a, b);
    assertEquals(1, failures.size(), failures.toString());
    GretunException e = failures.getFirst();
    assertEquals("tunnel_ip_changed", e.code());
    assertEquals(
        "tunnel_ip_changed old=100.64.0.2/24 new=100.64.0.9/24; restart gretun up", e.getMessage());
    for (int i = 0; i < 10; i++) {
      step(coordinator, net, clock, 50, a, b);
    }
    assertEquals(1, failures.size(), "reported once; the core stops ticking");
  }
}
