package dev.gretun.core.daemon;

import dev.gretun.core.wire.disco.DiscoMessage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether an authenticated disco envelope may be acted on (docs/SECURITY.md "Signalling
 * (disco)"): call_me_maybe only through the coordinator relay (it is never sent over UDP, so one
 * there is a replay), a relayed envelope only when the coordinator names its real sender, and any
 * envelope only when {@link DiscoReplayGuard} finds it fresh. A refusal is counted in {@code
 * gretun_disco_refused_total{reason}} and logged at debug level. Event loop only.
 */
final class DiscoAdmission {
  private static final Logger log = LoggerFactory.getLogger(DiscoAdmission.class);

  /** How the envelope arrived. */
  enum Via {
    UDP,
    RELAY,
    /** On a birthday punch's extra socket (docs/DAEMON.md, "Birthday punch"). */
    EXTRA_SOCKET
  }

  static final String CALL_ME_MAYBE_UDP = "call_me_maybe_udp";
  static final String RELAY_SENDER_MISMATCH = "relay_sender_mismatch";
  static final String EXTRA_SOCKET_SENDER_MISMATCH = "extra_socket_sender_mismatch";
  static final String STALE = "stale";
  static final String FUTURE = "future";
  static final String REPLAYED = "replayed";

  private final InstantSource clock;
  private final DiscoReplayGuard guard = new DiscoReplayGuard();
  private final Map<String, Counter> refused = new LinkedHashMap<>();

  DiscoAdmission(InstantSource clock, MeterRegistry registry) {
    this.clock = clock;
    for (String reason :
        new String[] {
          CALL_ME_MAYBE_UDP,
          RELAY_SENDER_MISMATCH,
          EXTRA_SOCKET_SENDER_MISMATCH,
          STALE,
          FUTURE,
          REPLAYED
        }) {
      refused.put(
          reason,
          Counter.builder("gretun_disco_refused")
              .description("Authenticated disco envelopes refused (replay, stale, wrong path)")
              .tag("reason", reason)
              .register(registry));
    }
  }

  /**
   * True when {@code o} may be acted on.
   *
   * @param relayedBy for {@link Via#RELAY}, the sender disco key the coordinator named; for {@link
   *     Via#EXTRA_SOCKET}, the peer the socket was opened for (null when it is closed already)
   */
  boolean admit(DiscoCodec.Opened o, Via via, String relayedBy, Object from, String peerName) {
    String reason = null;
    if (via != Via.RELAY && o.message() instanceof DiscoMessage.CallMeMaybe) {
      reason = CALL_ME_MAYBE_UDP;
    } else if (via == Via.RELAY && !o.sender().equals(relayedBy)) {
      reason = RELAY_SENDER_MISMATCH;
    } else if (via == Via.EXTRA_SOCKET && !o.sender().equals(relayedBy)) {
      reason = EXTRA_SOCKET_SENDER_MISMATCH;
    } else {
      long now = clock.millis();
      switch (guard.check(o.sender(), o.contents().sentAtMillis(), o.contents().nonce(), now)) {
        case FRESH -> {}
        case STALE -> reason = STALE;
        case FUTURE -> reason = FUTURE;
        case REPLAYED -> reason = REPLAYED;
      }
    }
    if (reason == null) {
      return true;
    }
    refused.get(reason).increment();
    log.debug(
        "disco_refused peer={} type={} via={} from={} reason={} sent_at_ms={}",
        peerName,
        o.message().type(),
        via.name().toLowerCase(java.util.Locale.ROOT),
        from,
        reason,
        o.contents().sentAtMillis());
    return false;
  }

  /** Lets the replay memory age out (call now and then). */
  void expire() {
    guard.expire(clock.millis());
  }

  /** How many envelopes were refused for {@code reason} (tests). */
  long refusedCount(String reason) {
    return (long) refused.get(reason).count();
  }
}
