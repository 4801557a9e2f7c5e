package dev.gretun.core.peer;

import dev.gretun.core.peer.PeerAction.ConfigureDirectPath;
import dev.gretun.core.peer.PeerAction.PongRejected;
import dev.gretun.core.peer.PeerAction.PunchSucceeded;
import dev.gretun.core.peer.PeerAction.ResumePath;
import dev.gretun.core.peer.PeerAction.SendCallMeMaybe;
import dev.gretun.core.peer.PeerAction.SendPing;
import dev.gretun.core.peer.PeerAction.SendPong;
import dev.gretun.core.peer.PeerAction.SuspendPath;
import dev.gretun.core.peer.PeerAction.Transition;
import dev.gretun.core.peer.PeerAction.UseRelay;
import dev.gretun.core.peer.PeerEvent.CallMeMaybeReceived;
import dev.gretun.core.peer.PeerEvent.DataPathConfirmed;
import dev.gretun.core.peer.PeerEvent.DataSent;
import dev.gretun.core.peer.PeerEvent.LocalNatUpdated;
import dev.gretun.core.peer.PeerEvent.PathLost;
import dev.gretun.core.peer.PeerEvent.PeerUpdated;
import dev.gretun.core.peer.PeerEvent.PingReceived;
import dev.gretun.core.peer.PeerEvent.PongReceived;
import dev.gretun.core.peer.PeerEvent.Tick;
import dev.gretun.core.util.Ticker;
import dev.gretun.core.wire.disco.DiscoTxId;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The connection state machine for one peer: events in, actions out, no I/O, time only from the
 * {@link Ticker}. Not thread-safe: call it from the daemon's event loop only. The states, timers
 * and transitions are documented in docs/DAEMON.md.
 */
public final class PeerMachine {
  /** Upper bound on remembered ping transactions (punching 16 candidates for 5 s needs 320). */
  static final int MAX_OUTSTANDING = 512;

  private record Outstanding(InetSocketAddress to, long sentNanos, boolean keepalive) {}

  private final boolean opener;
  private final Ticker ticker;
  private final RandomGenerator random;
  private final PeerTimings timings;

  private PeerState state = PeerState.UNKNOWN;
  private PeerInfo info;
  private final Candidates candidates = new Candidates();
  private final Map<DiscoTxId, Outstanding> outstanding = new LinkedHashMap<>();
  private boolean localSymmetric;

  // The current punch attempt.
  private long punchStart;
  private long punchDeadline;
  private long nextPingAt;
  private int cmmRound;
  private int ttlIndex;
  private boolean ttlProven;
  private boolean heard;
  private boolean go;
  private boolean sentFar;
  private InetSocketAddress chosen;
  private long confirmDeadline;

  // The path to the data plane: configured endpoint and whether SuspendPath is in force.
  private boolean suspended;

  // Direct.
  private long nextKeepaliveAt;
  private int missed;
  private boolean suspect;
  private long suspectSince;
  private long lastHeardAt;
  private long lastQuietProbeAt = Long.MIN_VALUE / 2;

  // Relay.
  private long repunchAt;
  private boolean staleWait;
  private boolean lossSilence;
  private Duration backoff;

  private long lastCallMeMaybeAt = Long.MIN_VALUE;
  private boolean callMeMaybeSeen;
  private long lastPongAt;
  private boolean everPonged;
  private Duration rtt;

  /**
   * @param opener whether this side is the low-TTL opener for this pair (DESIGN.md §3.1); both
   *     sides must compute opposite values, e.g. "our disco key sorts lower"
   */
  public PeerMachine(
      PeerInfo info, boolean opener, Ticker ticker, RandomGenerator random, PeerTimings timings) {
    this.info = info;
    this.opener = opener;
    this.ticker = ticker;
    this.random = random;
    this.timings = timings;
    this.backoff = timings.relayRetryInitial();
  }

  public PeerState state() {
    return state;
  }

  public PeerInfo info() {
    return info;
  }

  public boolean opener() {
    return opener;
  }

  /** The endpoint the data plane was last told to use; null when none is in use. */
  public InetSocketAddress endpoint() {
    return chosen;
  }

  /** RTT of the last accepted pong, or null. */
  public Duration rtt() {
    return rtt;
  }

  /** Time since the last accepted pong, or null if none was ever accepted. */
  public Duration sinceLastPong() {
    return everPonged ? Duration.ofNanos(ticker.nanos() - lastPongAt) : null;
  }

  /** Whether {@link SuspendPath} is in force. */
  public boolean suspended() {
    return suspended;
  }

  /** Handles one event and returns what the daemon must do, in order. */
  public List<PeerAction> on(PeerEvent event) {
    long now = ticker.nanos();
    var out = new ArrayList<PeerAction>();
    switch (event) {
      case PeerUpdated u -> onPeerUpdated(u.info(), now, out);
      case CallMeMaybeReceived c -> onCallMeMaybe(c, now, out);
      case PingReceived p -> onPing(p, now, out);
      case PongReceived p -> onPong(p, now, out);
      case DataPathConfirmed d -> onDataPathConfirmed(d.from(), now, out);
      case DataSent d -> onDataSent(now, out);
      case PathLost l -> {
        if (state == PeerState.DIRECT || (state == PeerState.PUNCHING && chosen != null)) {
          pathLost(l.reason(), now, true, now, out);
        }
      }
      case LocalNatUpdated n -> localSymmetric = n.symmetric();
      case Tick t -> onTick(now, out);
    }
    return out;
  }

  private void onPeerUpdated(PeerInfo next, long now, List<PeerAction> out) {
    info = next;
    boolean changed = candidates.setFromCoordinator(next.endpoints());
    switch (state) {
      case UNKNOWN, HAVE_ENDPOINTS -> {
        if (!candidates.isEmpty()) {
          startPunch("endpoints from coordinator", false, now, out);
        }
      }
      case DIRECT -> {
        if (changed && !candidates.coordinatorListed(chosen) && !next.endpoints().isEmpty()) {
          // The peer's mapping changed under a working path: most often a NAT lost its state and
          // our own traffic now poisons it (DESIGN.md §3.6), so go silent before re-punching.
          pathLost("endpoints changed, " + chosen + " no longer listed", now, true, now, out);
        }
      }
      case RELAY -> {
        if (changed && !staleWait && !candidates.isEmpty()) {
          startPunch("endpoints changed", false, now, out);
        }
      }
      case PUNCHING -> {} // the next round pings the new list
    }
  }

  private void onCallMeMaybe(CallMeMaybeReceived c, long now, List<PeerAction> out) {
    candidates.learn(c.endpoints());
    callMeMaybeSeen = true;
    switch (state) {
      case UNKNOWN, HAVE_ENDPOINTS -> {
        if (!candidates.isEmpty()) {
          startPunch("call_me_maybe from peer", true, now, out);
        }
      }
      case PUNCHING -> go = true;
      case RELAY -> {
        if (lossSilence) {
          // The peer's first call_me_maybe after our loss says when it went silent (with its
          // probe, or on its own loss). It may have sent to us until then, and those packets left
          // entries on our NAT that live 30 s: a punch through our NAT before they die gets a
          // random port. So our silence lasts until the peer's has lasted long enough too.
          // Measured in the lab: the relay delivered our call_me_maybe 6.4 s late, the peer's
          // probe then poisoned our NAT, and our re-punch 35 s after our own last packet came
          // 1.4 s too early. Only the first one counts: later ones are the peer's punch, which
          // starts after its own silence.
          lossSilence = false;
          repunchAt = Math.max(repunchAt, now + timings.staleWait().toNanos());
        } else if (!staleWait && !candidates.isEmpty()) {
          startPunch("call_me_maybe from peer", true, now, out);
        }
      }
      case DIRECT -> {
        // The peer is punching, so it may have lost the path. Go silent (our traffic would keep
        // a poisoned NAT entry alive, DESIGN.md §3.6) and probe: a pong or inbound data resumes
        // the path, an unanswered probe counts as path loss at once. Our call_me_maybe tells the
        // peer when we stopped sending (see RELAY above).
        if (!suspect) {
          suspect = true;
          suspectSince = now;
          if (!suspended) {
            suspended = true;
            out.add(new SuspendPath());
          }
          sendKeepalive(now, out);
          sendCallMeMaybe(now, out);
        }
      }
    }
    // The opener's call_me_maybe is the non-opener's signal that the opener's NAT is open.
    // Only the opener answers one, so the two sides cannot bounce call_me_maybe back and forth.
    if (opener
        && !staleWait
        && now - lastCallMeMaybeAt >= timings.callMeMaybeMinInterval().toNanos()) {
      sendCallMeMaybe(now, out);
    }
  }

  private void onPing(PingReceived p, long now, List<PeerAction> out) {
    out.add(new SendPong(p.from(), p.tx(), p.from()));
    candidates.learn(p.from());
    switch (state) {
      case UNKNOWN, HAVE_ENDPOINTS -> startPunch("ping from " + p.from(), true, now, out);
      case PUNCHING -> go = true;
      case RELAY -> {
        if (!staleWait) {
          startPunch("ping from " + p.from(), true, now, out);
        }
      }
      case DIRECT -> {}
    }
    heard = true; // the opener's NAT is open towards the peer: normal TTL from now on
  }

  private void onPong(PongReceived p, long now, List<PeerAction> out) {
    Outstanding o = outstanding.get(p.tx());
    if (o == null) {
      out.add(new PongRejected(p.from(), "unknown tx"));
      return;
    }
    if (!o.to().equals(p.from())) {
      // Keep the tx: the genuine pong from the right address may still come.
      out.add(new PongRejected(p.from(), "tx was sent to " + o.to()));
      return;
    }
    outstanding.remove(p.tx());
    if (now - o.sentNanos() > timings.pingTimeout().toNanos()) {
      out.add(new PongRejected(p.from(), "pong too late"));
      return;
    }
    rtt = Duration.ofNanos(now - o.sentNanos());
    lastPongAt = now;
    everPonged = true;
    heard = true;
    switch (state) {
      case PUNCHING -> {
        if (chosen == null) {
          chosen = p.from();
          confirmDeadline = now + timings.confirmTimeout().toNanos();
          out.add(new ConfigureDirectPath(chosen));
          if (suspended) {
            suspended = false;
            out.add(new ResumePath());
          }
        }
      }
      case DIRECT -> {
        if (p.from().equals(chosen)) {
          pathAlive(now, out);
        }
      }
      case UNKNOWN, HAVE_ENDPOINTS, RELAY -> {} // a late answer to an abandoned attempt
    }
  }

  private void onDataPathConfirmed(InetSocketAddress from, long now, List<PeerAction> out) {
    if (chosen == null || (from != null && !from.equals(chosen))) {
      return;
    }
    if (state == PeerState.PUNCHING) {
      transition(PeerState.DIRECT, "data path confirmed via " + chosen, out);
      out.add(new PunchSucceeded(Duration.ofNanos(now - punchStart), chosen));
      nextKeepaliveAt = now + timings.keepaliveInterval().toNanos();
      missed = 0;
      suspect = false;
      lastHeardAt = now;
      backoff = timings.relayRetryInitial();
      ttlProven = opener;
    } else if (state == PeerState.DIRECT) {
      pathAlive(now, out);
    }
  }

  /**
   * Data goes out but nothing came back for a while: probe now instead of waiting for the next
   * keepalive, so a dead path (e.g. a NAT that lost its state, DESIGN.md §3.6) is found in seconds
   * and the stale-entry silence starts early. One-way traffic over a live path only costs a ping
   * answered by a pong, never a loss.
   */
  private void onDataSent(long now, List<PeerAction> out) {
    if (state != PeerState.DIRECT || suspended) {
      return;
    }
    if (now - lastHeardAt >= timings.quietProbeAfter().toNanos()
        && now - lastQuietProbeAt >= timings.quietProbeInterval().toNanos()) {
      lastQuietProbeAt = now;
      sendKeepalive(now, out);
    }
  }

  private void pathAlive(long now, List<PeerAction> out) {
    lastHeardAt = now;
    missed = 0;
    if (suspect) {
      suspect = false;
      if (suspended) {
        suspended = false;
        out.add(new ResumePath());
      }
    }
  }

  private void onTick(long now, List<PeerAction> out) {
    expireOutstanding(now);
    switch (state) {
      case PUNCHING -> tickPunching(now, out);
      case DIRECT -> {
        if (suspect && missed > 0) {
          // The call_me_maybe that tells the peer went out with the probe.
          pathLost(
              "probe after the peer's call_me_maybe unanswered", suspectSince, false, now, out);
        } else if (missed >= timings.lossAfterMissed()) {
          pathLost(missed + " keepalives unanswered", now, true, now, out);
        } else if (now >= nextKeepaliveAt) {
          sendKeepalive(now, out);
        }
      }
      case RELAY -> {
        if (now >= repunchAt && !candidates.isEmpty()) {
          startPunch(staleWait ? "stale NAT wait over" : "periodic re-punch", false, now, out);
        }
      }
      case UNKNOWN, HAVE_ENDPOINTS -> {}
    }
  }

  private void tickPunching(long now, List<PeerAction> out) {
    if (chosen != null) {
      if (now >= confirmDeadline) {
        toRelay("data path through " + chosen + " not confirmed", now, out);
      } else if (now >= nextPingAt) {
        sendPing(chosen, null, false, now, out);
        nextPingAt = now + timings.pingInterval().toNanos();
      }
      return;
    }
    if (now >= punchDeadline) {
      String reason =
          localSymmetric && info.symmetricNat()
              ? "symmetric NAT on both sides"
              : "punch timed out after "
                  + timings.punchTimeout().toMillis()
                  + " ms, no pong from "
                  + candidates.all().size()
                  + " candidate(s)";
      if (opener && !heard) {
        // Nothing came back: maybe our NAT is further than the TTL reaches. The next attempt
        // (after the stale entries of this one expired) tries the next TTL (DESIGN.md §3.1). A TTL
        // that already worked for this peer gets one more attempt first: a failure after a loss is
        // more likely stale NAT state than a new router, and a higher TTL that reaches the far NAT
        // would poison it (measured in the lab: TTL 3 leaves an entry on the far NAT).
        if (ttlProven) {
          ttlProven = false;
        } else {
          ttlIndex = (ttlIndex + 1) % timings.openerTtls().size();
        }
      }
      toRelay(reason, now, out);
      return;
    }
    int round = (int) ((now - punchStart) / timings.callMeMaybeRepeat().toNanos());
    if (round > cmmRound) {
      cmmRound = round;
      sendCallMeMaybe(now, out); // relay messages can be lost; repeat once a round
    }
    if (!opener
        && !go
        && !callMeMaybeSeen
        && now - punchStart >= timings.nonOpenerHold().toNanos()) {
      // The relay never brought the opener's call_me_maybe: maybe it cannot, so try anyway. Once
      // the relay has shown it works, wait for the opener instead: pinging the opener's NAT while
      // it is not punching poisons it (DESIGN.md §3.1), e.g. when its silence after a loss began
      // later than ours because the relay was slow.
      go = true;
    }
    if (now >= nextPingAt) {
      pingCandidates(now, out);
    }
  }

  private void startPunch(String reason, boolean peerIsPunching, long now, List<PeerAction> out) {
    if (state == PeerState.UNKNOWN) {
      transition(PeerState.HAVE_ENDPOINTS, reason, out);
    }
    transition(PeerState.PUNCHING, reason, out);
    punchStart = now;
    punchDeadline = now + timings.punchTimeout().toNanos();
    cmmRound = 0;
    heard = false;
    sentFar = false;
    go = peerIsPunching;
    chosen = null;
    staleWait = false;
    lossSilence = false;
    suspect = false;
    missed = 0;
    if (opener) {
      // Open our own NAT first (low TTL), then tell the peer to start: DESIGN.md §3.1.
      pingCandidates(now, out);
      sendCallMeMaybe(now, out);
    } else {
      sendCallMeMaybe(now, out);
      pingCandidates(now, out);
    }
  }

  /** The low TTL this attempt uses while the opener has not heard from the peer. */
  public int openerTtl() {
    return timings.openerTtls().get(ttlIndex);
  }

  private void pingCandidates(long now, List<PeerAction> out) {
    nextPingAt = now + timings.pingInterval().toNanos();
    Integer ttl = null;
    if (opener) {
      if (!heard) {
        ttl = openerTtl();
      }
    } else if (!go) {
      return; // hold until the opener's NAT is open (its call_me_maybe or a ping)
    }
    for (var endpoint : candidates.all()) {
      sendPing(endpoint, ttl, false, now, out);
    }
  }

  private void sendKeepalive(long now, List<PeerAction> out) {
    sendPing(chosen, null, true, now, out);
    nextKeepaliveAt = now + timings.keepaliveInterval().toNanos();
  }

  private void sendPing(
      InetSocketAddress to, Integer ttl, boolean keepalive, long now, List<PeerAction> out) {
    DiscoTxId tx = DiscoTxId.random(random);
    if (outstanding.size() >= MAX_OUTSTANDING) {
      Iterator<DiscoTxId> oldest = outstanding.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    outstanding.put(tx, new Outstanding(to, now, keepalive));
    if (ttl == null || ttl > timings.openerTtls().getFirst()) {
      sentFar = true;
    }
    out.add(new SendPing(to, tx, ttl));
  }

  private void sendCallMeMaybe(long now, List<PeerAction> out) {
    lastCallMeMaybeAt = now;
    out.add(new SendCallMeMaybe());
  }

  private void expireOutstanding(long now) {
    long limit = timings.pingTimeout().toNanos();
    for (var it = outstanding.values().iterator(); it.hasNext(); ) {
      Outstanding o = it.next();
      if (now - o.sentNanos() > limit) {
        it.remove();
        if (o.keepalive() && state == PeerState.DIRECT && o.to().equals(chosen)) {
          missed++;
        }
      }
    }
  }

  /** DESIGN.md §3.6: stop sending, wait out stale NAT entries, then punch again. */
  private void pathLost(
      String reason, long silentSince, boolean tellPeer, long now, List<PeerAction> out) {
    if (!suspended) {
      suspended = true;
      out.add(new SuspendPath());
    }
    String why = "path lost (" + reason + "), silent for " + timings.staleWait().toSeconds() + " s";
    out.add(new UseRelay(why));
    transition(PeerState.RELAY, why, out);
    chosen = null;
    staleWait = true;
    lossSilence = true;
    suspect = false;
    repunchAt = silentSince + timings.staleWait().toNanos();
    if (tellPeer) {
      // Tell the peer (via the relay) that we are re-punching, so it probes and goes silent too.
      sendCallMeMaybe(now, out);
    }
  }

  private void toRelay(String reason, long now, List<PeerAction> out) {
    out.add(new UseRelay(reason));
    transition(PeerState.RELAY, reason, out);
    chosen = null;
    // Pings that may have reached the far NAT left entries there (and kept our own stale flows
    // alive): then the next attempt waits for the backoff even if the peer calls. Low-TTL pings
    // reached nobody, so a call_me_maybe may start the next attempt at once.
    staleWait = sentFar;
    repunchAt = now + backoff.toNanos();
    backoff = min(backoff.multipliedBy(2), timings.relayRetryMax());
  }

  private void transition(PeerState to, String reason, List<PeerAction> out) {
    out.add(new Transition(state, to, reason));
    state = to;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
