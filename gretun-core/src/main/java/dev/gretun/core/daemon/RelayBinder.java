package dev.gretun.core.daemon;

import dev.gretun.core.dataplane.Dataplane;
import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.util.Ticker;
import dev.gretun.core.wire.relay.RelayBind;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.PrivateKey;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps our port P bound at the coordinator's data relay: a signed {@link RelayBind} naming the
 * node key and pair GRE key of every peer whose direct path does not send (at most {@link
 * RelayBind#MAX_ENTRIES}), sent from P to the relay when that set changes and every {@link
 * #REFRESH_NANOS} (below the relay's 60 s binding lifetime and the 30 s unreplied-UDP conntrack
 * timer, so our NAT keeps the mapping towards the relay). Pairs on a direct path are not named, so
 * the relay neither forwards for them nor learns their keys. Timestamps strictly increase, as the
 * relay requires. Event loop only.
 */
final class RelayBinder {
  private static final Logger log = LoggerFactory.getLogger(RelayBinder.class);
  static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(20);

  private final InetSocketAddress relay;
  private final PrivateKey nodePrivate;
  private final byte[] nodePublic;
  private final Dataplane dataplane;
  private final InstantSource clock;
  private final Ticker ticker;
  private List<RelayBind.Entry> sentEntries;
  private long lastSentAt;
  private long lastTimestamp;
  private boolean warnedTooMany;

  RelayBinder(
      InetSocketAddress relay,
      PrivateKey nodePrivate,
      byte[] nodePublic,
      Dataplane dataplane,
      InstantSource clock,
      Ticker ticker) {
    this.relay = relay;
    this.nodePrivate = nodePrivate;
    this.nodePublic = nodePublic.clone();
    this.dataplane = dataplane;
    this.clock = clock;
    this.ticker = ticker;
  }

  /** Sends a bind when the pairs changed or the last one is {@link #REFRESH_NANOS} old. */
  void maintain(Collection<PeerRoute> routes, Function<String, String> nodeKeyOf) {
    List<RelayBind.Entry> entries = entries(routes, nodeKeyOf);
    long now = ticker.nanos();
    boolean due = sentEntries == null || now - lastSentAt >= REFRESH_NANOS;
    if (!due && entries.equals(sentEntries)) {
      return;
    }
    lastSentAt = now;
    sentEntries = entries;
    send(entries);
  }

  /**
   * @param nodeKeyOf a peer's node key (base64) by its disco key, or null when unknown
   */
  private List<RelayBind.Entry> entries(
      Collection<PeerRoute> routes, Function<String, String> nodeKeyOf) {
    List<PeerRoute> sorted = new ArrayList<>(routes);
    sorted.sort(Comparator.comparing(PeerRoute::peer));
    List<RelayBind.Entry> out = new ArrayList<>();
    for (PeerRoute r : sorted) {
      String nodeKey = nodeKeyOf.apply(r.peer());
      if (nodeKey == null || r.active()) {
        continue;
      }
      if (out.size() == RelayBind.MAX_ENTRIES) {
        if (!warnedTooMany) {
          warnedTooMany = true;
          log.warn(
              "relay_bind_truncated max={} note=\"only this many peers at once can use the relay\"",
              RelayBind.MAX_ENTRIES);
        }
        break;
      }
      out.add(new RelayBind.Entry(Base64.getDecoder().decode(nodeKey), r.greKey()));
    }
    out.sort(
        Comparator.comparing(
            (RelayBind.Entry e) -> Base64.getEncoder().encodeToString(e.peerNodeKey())));
    return List.copyOf(out);
  }

  private void send(List<RelayBind.Entry> entries) {
    long ts = Math.max(clock.millis(), lastTimestamp + 1);
    lastTimestamp = ts;
    RelayBind bind =
        new RelayBind(
            nodePublic, ts, SockAddrIn.ipv4(relay.getAddress()), relay.getPort(), entries);
    byte[] datagram = bind.encode(Ed25519Keys.sign(nodePrivate, bind.toBeSigned()));
    try {
      dataplane.sendDiscoStun(datagram, 0, datagram.length, relay, 0);
      log.debug("relay_bind_sent relay={} pairs={}", relay, entries.size());
    } catch (IOException e) {
      log.warn("relay_bind_failed relay={} error=\"{}\"", relay, e.toString());
    }
  }
}
