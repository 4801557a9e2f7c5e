package dev.gretun.core.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.util.FakeTicker;
import dev.gretun.core.wire.disco.DiscoTxId;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class OperatorPingsTest {
  private final FakeTicker ticker = new FakeTicker();
  private final OperatorPings pings = new OperatorPings(ticker);
  private final InetSocketAddress to = new InetSocketAddress("198.51.100.10", 7777);
  private final PingReply base =
      new PingReply(
          "b", "KEYB", "100.64.0.3", "direct", "direct", "198.51.100.10:7777", null, null);

  @Test
  void pongFromThePeerAtTheEndpointCompletesWithTheRtt() {
    DiscoTxId tx = new DiscoTxId(1, 2);
    CompletableFuture<PingReply> f = pings.sent(tx, "KEYB", to, base);
    ticker.advanceMillis(3);
    assertTrue(pings.onPong("KEYB", tx, to));
    PingReply r = f.join();
    assertEquals("direct", r.path());
    assertEquals(3.0, r.rttMillis());
    assertFalse(pings.onPong("KEYB", tx, to), "a second pong with the same id is the table's");
  }

  @Test
  void pongsFromAnotherPeerOrEndpointOrUnknownIdAreNotOurs() {
    DiscoTxId tx = new DiscoTxId(1, 2);
    CompletableFuture<PingReply> f = pings.sent(tx, "KEYB", to, base);
    assertFalse(pings.onPong("KEYC", tx, to));
    assertFalse(pings.onPong("KEYB", tx, new InetSocketAddress("198.51.100.10", 7778)));
    assertFalse(pings.onPong("KEYB", new DiscoTxId(9, 9), to));
    assertFalse(f.isDone());
    pings.forget(tx);
    assertFalse(pings.onPong("KEYB", tx, to), "forgotten after a timeout");
  }

  @Test
  void pendingPingsAreBounded() {
    for (int i = 0; i < OperatorPings.MAX_PENDING; i++) {
      pings.sent(new DiscoTxId(i, i), "KEYB", to, base);
    }
    assertThrows(
        IllegalArgumentException.class, () -> pings.sent(new DiscoTxId(99, 99), "KEYB", to, base));
  }

  @Test
  void withoutPongTheReplySaysWhy() {
    PingReply none = base.withoutPong("no pong within 1000 ms");
    assertEquals("none", none.path());
    assertEquals(null, none.rttMillis());
    assertEquals("no pong within 1000 ms", none.reason());
  }
}
