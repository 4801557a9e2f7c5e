package dev.gretun.coord.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.coord.CoordWire.Envelope;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 14 item 6: a flooding member cannot push other members' envelopes out of a mailbox. */
class SignalRelayTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  private static Envelope from(String sender, String sealed) {
    return new Envelope(sender, "disco-" + sender, sealed, T0.toString());
  }

  @Test
  void floodingSenderOnlyReplacesItsOwnEnvelopes() {
    SignalRelay relay = new SignalRelay(64, 8, 1 << 20, Duration.ofSeconds(30));
    assertTrue(relay.enqueue("victim", from("honest", "call_me_maybe"), T0));
    for (int i = 0; i < 200; i++) {
      assertTrue(relay.enqueue("victim", from("mallory", "flood" + i), T0));
    }
    List<Envelope> got = relay.drain("victim", T0);
    assertEquals(9, got.size());
    assertEquals("call_me_maybe", got.get(0).sealed());
    assertEquals("flood192", got.get(1).sealed()); // the flooder keeps its newest eight
    assertEquals(192, relay.droppedSenderQuota());
    assertEquals(0, relay.droppedOverflow());
  }

  @Test
  void fullMailboxEvictsFromTheSenderWithTheMost() {
    SignalRelay relay = new SignalRelay(17, 8, 1 << 20, Duration.ofSeconds(30));
    relay.enqueue("v", from("honest", "h"), T0);
    for (int s = 0; s < 2; s++) {
      for (int i = 0; i < 8; i++) {
        relay.enqueue("v", from("m" + s, s + "-" + i), T0.plusMillis(1));
      }
    }
    // 18th envelope into a 17-slot box: m0 (first of the largest senders) loses its oldest.
    relay.enqueue("v", from("other", "o"), T0.plusMillis(2));
    List<String> sealed = relay.drain("v", T0).stream().map(Envelope::sealed).toList();
    assertEquals(17, sealed.size());
    assertTrue(sealed.contains("h"));
    assertTrue(sealed.contains("o"));
    assertFalse(sealed.contains("0-0"));
    assertEquals(1, relay.droppedOverflow());
  }

  @Test
  void globalByteLimitRefusesWithoutDropping() {
    int per = "x".repeat(100).length() + SignalRelay.ENVELOPE_OVERHEAD;
    SignalRelay relay = new SignalRelay(64, 8, 3L * per, Duration.ofSeconds(30));
    assertTrue(relay.enqueue("a", from("s1", "x".repeat(100)), T0));
    assertTrue(relay.enqueue("b", from("s2", "x".repeat(100)), T0));
    assertTrue(relay.enqueue("c", from("s3", "x".repeat(100)), T0));
    assertFalse(relay.enqueue("d", from("s4", "x".repeat(100)), T0));
    assertEquals(3L * per, relay.queuedBytes());
    assertEquals(1, relay.refusedFull());
    assertEquals(1, relay.drain("a", T0).size());
    assertTrue(relay.enqueue("d", from("s4", "x".repeat(100)), T0));
    // Replacing one's own envelope at the quota frees its bytes first.
    SignalRelay tight = new SignalRelay(64, 1, per, Duration.ofSeconds(30));
    assertTrue(tight.enqueue("a", from("s1", "x".repeat(100)), T0));
    assertTrue(tight.enqueue("a", from("s1", "y".repeat(100)), T0));
    assertEquals("y".repeat(100), tight.drain("a", T0).get(0).sealed());
    assertEquals(0, tight.queuedBytes());
  }

  @Test
  void expiryAndForgetReleaseCountsAndBytes() {
    SignalRelay relay = new SignalRelay(64, 8, 1 << 20, Duration.ofSeconds(30));
    for (int i = 0; i < 8; i++) {
      relay.enqueue("v", from("m", "e" + i), T0);
    }
    relay.sweep(T0.plusSeconds(31));
    assertEquals(0, relay.queued());
    assertEquals(0, relay.queuedBytes());
    assertEquals(8, relay.droppedExpired());
    // The sender's quota was released by the expiry: eight fresh ones fit without replacement.
    for (int i = 0; i < 8; i++) {
      relay.enqueue("v", from("m", "f" + i), T0.plusSeconds(32));
    }
    assertEquals(0, relay.droppedSenderQuota());
    relay.forget("v");
    assertEquals(0, relay.queued());
    assertEquals(0, relay.queuedBytes());
  }
}
