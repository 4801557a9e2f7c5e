package dev.gretun.core.peer;

import dev.gretun.core.netcheck.NatType;
import dev.gretun.core.peer.PeerAction.*;
import dev.gretun.core.peer.PeerEvent.*;
import dev.gretun.core.util.HostPort;
import dev.gretun.core.util.Ticker;
import dev.gretun.core.wire.disco.DiscoTxId;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The connection state machine for one peer: events in, actions out, no I/O, time only from the
 * {@link Ticker}. It owns every per-peer timer (punch pings, call_me_maybe repeats, data-path
 * probes and confirmation, keepalives, re-punch). Not thread-safe: call it from the daemon's event
 * loop only. The states, timers and transitions are documented in docs/DAEMON.md.
 */
public final class PeerMachine {
  private final boolean lowerKey;
  private final Ticker ticker;
  private final RandomGenerator random;
  private final PeerTimings timings;

  private final Candidates candidates = new Candidates();
  private final PingLedger pings;
  private final OpenerTtl openerTtl;
  private final PunchAttempt punch;
  private final Liveness liveness;
  private final RepunchWait repunch;
  private final BirthdayPunch birthday = new BirthdayPunch();
  private boolean aggressive; // --aggressive-punch (docs/DAEMON.md, "Birthday punch")
  private boolean reflexivePosted; // our STUN-mapped endpoint is on the coordinator
  private PeerState state = PeerState.UNKNOWN;
  private PeerInfo info;
  private NatType localNat = NatType.UNKNOWN;
  private PunchRole role; // chosen when a punch starts (docs/DAEMON.md, "Roles")
  private InetSocketAddress chosen; // the endpoint the data plane was told to use
  private boolean suspended; // SuspendPath in force
  private long lastCallMeMaybeAt = Long.MIN_VALUE / 2; // "long ago", without overflow in now - it
  private boolean callMeMaybeSeen;

  /** An attempt of ours as the non-opener ran out before any call_me_maybe from the peer came. */
  private boolean relayQuietForAnAttempt;

  /**
   * @param lowerKey whether this side is the low-TTL opener for this pair when neither NAT is hard
   *     (docs/NAT-TRAVERSAL.md §3.1); both sides must compute opposite values, e.g. "our disco key
   *     sorts lower"
   */
  public PeerMachine(
      PeerInfo info, boolean lowerKey, Ticker ticker, RandomGenerator random, PeerTimings timings) {
    this.info = info;
    this.lowerKey = lowerKey;
    this.role = PunchRole.choose(lowerKey, localNat, info.nat());
    this.ticker = ticker;
    this.random = random;
    this.timings = timings;
    this.pings =
        new PingLedger(timings.pingTimeout().toNanos(), timings.keepaliveMissAfter().toNanos());
    this.openerTtl = new OpenerTtl(timings.openerTtls());
    this.repunch = new RepunchWait(timings);
    this.liveness = new Liveness(timings);
    this.punch = new PunchAttempt(timings);
  }

  public PeerState state() {
    return state;
  }

  public PeerInfo info() {
    return info;
  }

  /** Whether this side sends first in the current (or next) punch. */
  public boolean opener() {
    return role.sendsFirst();
  }

  /** The role of the current (or last) punch, e.g. "first_full_ttl". */
  public String role() {
    return role.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The endpoint the data plane was last told to use; null when none is in use. */
  public InetSocketAddress endpoint() {
    return chosen;
  }

  /** RTT of the last accepted pong, or null. */
  public Duration rtt() {
    return pings.rtt();
  }

  /** Time since the last accepted pong, or null if none was ever accepted. */
  public Duration sinceLastPong() {
    return pings.sinceLastPong(ticker.nanos());
  }

  /**
   * {@code --aggressive-punch}: an easy/hard pair uses the birthday punch instead of the relay
   * (from the next punch on).
   */
  public void setAggressivePunch(boolean on) {
    aggressive = on;
  }

  /**
   * Whether the coordinator has our STUN-mapped (server-reflexive) endpoint: before it has, the
   * peer cannot reach our NAT whatever our opener's TTL, so an attempt that hears nothing says
   * nothing about the TTL ({@link #ttlTooLow}).
   */
  public void setReflexivePosted(boolean posted) {
    reflexivePosted = posted;
  }

  /** The low TTL this attempt uses while the opener has not heard from the peer. */
  public int openerTtl() {
    return openerTtl.current();
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
      case DataReceived d -> {
        liveness.dataArrived();
        if (liveness.dataConfirmationDue(now)) {
          onDataPathConfirmed(null, now, out);
        }
      }
      case DataSent d -> onDataSent(now, out);
      case RelayedDataReceived r -> {
        if (state == PeerState.DIRECT) {
          peerLeftDirectPath(now, out);
        }
      }
      case PathLost l -> {
        if (state == PeerState.DIRECT || (state == PeerState.PUNCHING && chosen != null)) {
          pathLost(l.reason(), now, true, now, out);
        }
      }
      case LocalNatUpdated n -> localNat = n.nat(); // PeerTable drops actions of this event
      case Tick t -> onTick(now, out);
    }
    return out;
  }

  private void onPeerUpdated(PeerInfo next, long now, List<PeerAction> out) {
    boolean natChanged = next.nat() != info.nat(); // may change the roles
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
          // our own traffic now poisons it (docs/NAT-TRAVERSAL.md §3.6), so go silent before
          // re-punching.
          pathLost(
              "endpoints changed, " + HostPort.format(chosen) + " no longer listed",
              now,
              true,
              now,
              out);
        }
      }
      case NO_PATH -> {
        if ((changed || natChanged) && !repunch.silent() && !candidates.isEmpty()) {
          startPunch("endpoints changed", false, now, out);
        }
      }
      case PUNCHING -> {} // the next round pings the new list
    }
  }

  /**
   * The NAT types became known during an ordinary attempt (the first punch often starts before
   * either netcheck ended) and call for the birthday punch: start it now instead of letting an
   * attempt that cannot work run out and wait for the backoff. The abandoned attempt's pings cost
   * nothing here: the easy side's low-TTL pings die before the far NAT, and the hard side's, from
   * P, left entries on the easy NAT only for the ports the hard NAT gave P, which no extra socket
   * gets. Checked every tick, so a change of either type counts.
   */
  private boolean switchToBirthday(long now, List<PeerAction> out) {
    if (chosen == null
        && !role.birthday()
        && PunchRole.choose(lowerKey, localNat, info.nat(), aggressive).birthday()) {
      startPunch(
          "NAT types known (ours " + localNat.wire() + ", the peer's " + info.nat().wire() + ")",
          false,
          now,
          out);
      return true;
    }
    return false;
  }

  private void onCallMeMaybe(CallMeMaybeReceived c, long now, List<PeerAction> out) {
    candidates.learn(c.endpoints());
    callMeMaybeSeen = true;
    boolean wasPunching = state == PeerState.PUNCHING;
    boolean wasGo = punch.go;
    switch (state) {
      case UNKNOWN, HAVE_ENDPOINTS -> {
        if (!candidates.isEmpty()) {
          startPunch("call_me_maybe from peer", true, now, out);
        }
      }
      case PUNCHING -> {
        punch.go = true;
        punch.peerPunching = true;
      }
      case NO_PATH -> {
        if (!repunch.restartSilenceOnFirstCall(now) && !repunch.silent() && !candidates.isEmpty()) {
          startPunch("call_me_maybe from peer", true, now, out);
        }
      }
      case DIRECT -> peerLeftDirectPath(now, out);
    }
    if (state == PeerState.PUNCHING && c.age().compareTo(timings.pingTimeout()) < 0) {
      punch.peerPunchingFresh = true;
    }
    if (wasPunching) {
      pingIfUnblocked(wasGo, punch.heard, now, out);
    }
    // The opener's call_me_maybe is the non-opener's signal that the opener's NAT is open.
    // Only the opener answers one, so the two sides cannot bounce call_me_maybe back and forth.
    if (role.sendsFirst()
        && state != PeerState.DIRECT
        && !repunch.silent()
        && now - lastCallMeMaybeAt >= timings.callMeMaybeMinInterval().toNanos()) {
      sendCallMeMaybe(now, out);
    }
  }

  /**
   * While we are direct, the peer punches (its call_me_maybe) or sends through the relay: it has
   * lost the path or suspects it. Go silent (our traffic would keep a poisoned NAT entry alive,
   * docs/NAT-TRAVERSAL.md §3.6; meanwhile data takes the relay if there is one) and probe: a pong
   * or inbound data resumes the path, an unanswered probe counts as path loss at once. Our
   * call_me_maybe tells the peer when we stopped sending (see RepunchWait). Within a probe timeout
   * of our own call_me_maybe, this is the peer's answer to it (or to our punch, or its data relayed
   * during its own suspicion), not news: suspecting again would answer it in turn, and two direct
   * peers would bounce suspicions forever.
   */
  private void peerLeftDirectPath(long now, List<PeerAction> out) {
    if (now - lastCallMeMaybeAt >= timings.pingTimeout().toNanos() && liveness.suspect(now)) {
      suspend(out);
      sendKeepalive(now, out);
      sendCallMeMaybe(now, out);
    }
  }

  private void onPing(PingReceived p, long now, List<PeerAction> out) {
    if (p.socket() != 0 && p.socket() != birthday.socket()) {
      if (state == PeerState.PUNCHING
          && role == PunchRole.BIRTHDAY_SPRAY
          && chosen == null
          && birthday.active()) {
        birthdayWon(p, now, out);
      }
      return; // a late probe on a socket that lost: it is being closed
    }
    out.add(new SendPong(p.from(), p.tx(), p.from(), p.socket()));
    candidates.learn(p.from());
    boolean wasPunching = state == PeerState.PUNCHING;
    boolean wasGo = punch.go;
    boolean wasHeard = punch.heard;
    switch (state) {
      case UNKNOWN, HAVE_ENDPOINTS -> startPunch("ping from " + p.from(), true, now, out);
      case PUNCHING -> punch.go = true;
      case NO_PATH -> {
        if (!repunch.silent()) {
          startPunch("ping from " + p.from(), true, now, out);
        } else {
          answerPingDuringSilence(p.from(), now, out);
        }
      }
      case DIRECT -> {}
    }
    punch.heard = true; // the opener's NAT is open towards the peer: normal TTL from now on
    if (wasPunching) {
      pingIfUnblocked(wasGo, wasHeard, now, out);
    }
  }

  /**
   * What held our punch back just ended (the non-opener: the opener's call_me_maybe or ping says
   * its NAT is open; the low-TTL opener: the peer's ping came through, so full TTL is safe): ping
   * every candidate now instead of at the next round, up to a ping interval later. The round timer
   * restarts from here.
   */
  private void pingIfUnblocked(boolean wasGo, boolean wasHeard, long now, List<PeerAction> out) {
    if (state != PeerState.PUNCHING || chosen != null || role.birthday()) {
      return;
    }
    boolean unblocked =
        role.sendsFirst()
            ? role == PunchRole.OPENER_LOW_TTL && !wasHeard && punch.heard
            : !wasGo && punch.go;
    if (unblocked) {
      pingCandidates(now, out);
    }
  }

  /**
   * The peer punches while we wait out stale NAT entries, and its ping came in through our NAT: the
   * entries on both NATs between {@code from} and us are live, so pings back to {@code from} (our
   * pong takes the same way) cannot poison anything; other candidates keep the silence. Without
   * this, a peer restarted while we still had the path got our pongs but never a confirmed data
   * path, went silent in turn, and the two silences could alternate for minutes (the VM tier's
   * {@code 40}, scenario 6).
   */
  private void answerPingDuringSilence(InetSocketAddress from, long now, List<PeerAction> out) {
    PunchRole r = PunchRole.choose(lowerKey, localNat, info.nat(), aggressive);
    if (r == PunchRole.RELAY || r.birthday()) {
      return;
    }
    startPunch("ping from " + HostPort.format(from) + " during the stale-NAT wait", from, now, out);
  }

  /**
   * Hard side: the peer's probe reached one of our extra sockets, from the peer's endpoint P. That
   * socket becomes the peer's data socket and the path goes to the probe's source.
   */
  private void birthdayWon(PingReceived p, long now, List<PeerAction> out) {
    birthday.won(p.socket());
    out.add(new BirthdayWon(p.socket()));
    out.add(birthday.end("direct"));
    out.add(new SendPong(p.from(), p.tx(), p.from(), p.socket()));
    candidates.learn(p.from());
    punch.heard = true;
    choose(p.from(), now, out);
  }

  /** The punch picked {@code endpoint}: configure it as the direct path and resume sending. */
  private void choose(InetSocketAddress endpoint, long now, List<PeerAction> out) {
    chosen = endpoint;
    punch.chose(now);
    out.add(new ConfigureDirectPath(chosen));
    if (suspended) {
      suspended = false;
      out.add(new ResumePath());
    }
  }

  private void onPong(PongReceived p, long now, List<PeerAction> out) {
    String rejected = pings.pong(p.tx(), p.from(), now);
    if (rejected != null) {
      out.add(new PongRejected(p.from(), rejected));
      return;
    }
    punch.heard = true;
    switch (state) {
      case PUNCHING -> {
        if (chosen == null) {
          if (birthday.active()) {
            out.add(birthday.end("direct"));
          }
          choose(p.from(), now, out);
        }
      }
      case DIRECT -> {
        if (p.from().equals(chosen)) {
          liveness.pongArrived();
          pathAlive(now, out);
        }
      }
      case UNKNOWN, HAVE_ENDPOINTS, NO_PATH -> {} // a late answer to an abandoned attempt
    }
  }

  private void onDataPathConfirmed(InetSocketAddress from, long now, List<PeerAction> out) {
    if (chosen == null || (from != null && !from.equals(chosen))) {
      return;
    }
    if (state == PeerState.PUNCHING) {
      transition(PeerState.DIRECT, "data path confirmed via " + HostPort.format(chosen), out);
      out.add(new PunchSucceeded(Duration.ofNanos(now - punch.start()), chosen));
      liveness.reset(now);
      repunch.pathUp();
      if (role == PunchRole.OPENER_LOW_TTL) {
        openerTtl.proven();
      }
    } else if (state == PeerState.DIRECT) {
      pathAlive(now, out);
    }
  }

  private void onDataSent(long now, List<PeerAction> out) {
    if (state == PeerState.DIRECT && !suspended && liveness.quietProbeDue(now)) {
      sendKeepalive(now, out);
    }
  }

  private void pathAlive(long now, List<PeerAction> out) {
    if (liveness.heard(now) && suspended) {
      suspended = false;
      out.add(new ResumePath());
    }
  }

  private void onTick(long now, List<PeerAction> out) {
    liveness.missed(pings.expire(now, state == PeerState.DIRECT ? chosen : null));
    switch (state) {
      case PUNCHING -> tickPunching(now, out);
      case DIRECT -> {
        Liveness.Loss loss = liveness.loss(now);
        if (loss != null) {
          pathLost(loss.reason(), loss.silentSince(), loss.tellPeer(), now, out);
        } else if (liveness.keepaliveDue(now)
            || (!suspended && liveness.inboundStopProbeDue(now))) {
          sendKeepalive(now, out);
        }
      }
      case NO_PATH -> {
        if (repunch.due(now) && !candidates.isEmpty()) {
          startPunch(
              repunch.silent() ? "stale NAT wait over" : "periodic re-punch", false, now, out);
        }
      }
      case UNKNOWN, HAVE_ENDPOINTS -> {}
    }
  }

  private void tickPunching(long now, List<PeerAction> out) {
    if (switchToBirthday(now, out)) {
      return;
    }
    if (chosen != null) {
      if (punch.confirmTimedOut(now)) {
        noPath("data path through " + HostPort.format(chosen) + " not confirmed", now, out);
        return;
      }
      if (punch.dataProbeDue(now)) {
        out.add(new SendDataProbe()); // proves the data path itself, not just disco
      }
      if (punch.pingDue(now)) {
        sendPing(chosen, null, false, now, out);
      }
      return;
    }
    if (punch.timedOut(now)) {
      if (ttlTooLow()) {
        openerTtl.heardNothing();
      }
      if (!role.sendsFirst() && !callMeMaybeSeen) {
        relayQuietForAnAttempt = true;
      }
      noPath(
          role.birthday()
              ? "birthday punch timed out after "
                  + BirthdayPunch.TIMEOUT.toMillis()
                  + " ms, "
                  + birthday.probes()
                  + " probe(s) sent, no answer; relay"
              : punch.timeoutReason(candidates.all().size(), localNat == NatType.HARD),
          now,
          out);
      return;
    }
    if (punch.callMeMaybeDue(now)) {
      sendCallMeMaybe(now, out);
    }
    if (!role.sendsFirst()) {
      punch.holdOver(now, relayQuietForAnAttempt && !callMeMaybeSeen);
    }
    if (role == PunchRole.BIRTHDAY_PROBE) {
      if (punch.go) {
        sendProbes(now, out);
      }
    } else if (role != PunchRole.BIRTHDAY_SPRAY && punch.pingDue(now)) {
      pingCandidates(now, out);
    }
  }

  /**
   * Whether this failed attempt is evidence that the opener's TTL dies before our own NAT: we heard
   * nothing although each side had the other's STUN mapping when the attempt began (our low TTL
   * pings went to the peer's mapping, opening our NAT towards it, and the peer could ping ours) and
   * the peer surely punched during it: a call sent moments before it arrived, not one a slow relay
   * held for seconds (on a loaded VM-tier run a 9 s old call started an attempt after the peer's
   * own had ended). Any other failure (the peer never punched, or one side's STUN had not answered,
   * so pings went to LAN addresses only) must not raise the TTL: a higher one reaches the far NAT
   * and poisons it (docs/NAT-TRAVERSAL.md §3.1), so a cheap failure would turn into one that
   * repeats.
   */
  private boolean ttlTooLow() {
    return role == PunchRole.OPENER_LOW_TTL
        && !punch.heard
        && punch.peerPunchingFresh
        && punch.mappingsKnownAtStart;
  }

  /** Easy side of the birthday punch: the probes the rate limit and the cap allow now. */
  private void sendProbes(long now, List<PeerAction> out) {
    int n = birthday.due(now);
    if (n == 0) {
      return;
    }
    List<java.net.InetAddress> addresses = BirthdayPunch.probeAddresses(candidates.all());
    if (birthday.probes() == 0) {
      out.add(new BirthdayProbing(addresses));
    }
    for (int i = 0; i < n; i++) {
      InetSocketAddress to = BirthdayPunch.probeTarget(addresses, birthday.probes(), random);
      DiscoTxId tx = DiscoTxId.random(random);
      pings.sent(tx, to, false, now);
      birthday.probed();
      out.add(new BirthdayProbe(to, tx));
    }
  }

  private void startPunch(String reason, boolean peerIsPunching, long now, List<PeerAction> out) {
    startPunch(reason, peerIsPunching, null, now, out);
  }

  /** An attempt that pings only {@code onlyTo}, a source the peer's ping just came from. */
  private void startPunch(String reason, InetSocketAddress onlyTo, long now, List<PeerAction> out) {
    startPunch(reason, true, onlyTo, now, out);
  }

  private void startPunch(
      String reason,
      boolean peerIsPunching,
      InetSocketAddress onlyTo,
      long now,
      List<PeerAction> out) {
    role = PunchRole.choose(lowerKey, localNat, info.nat(), aggressive);
    if (state == PeerState.UNKNOWN) {
      transition(PeerState.HAVE_ENDPOINTS, reason, out);
    }
    if (role == PunchRole.RELAY) {
      // No punch can work (both NATs map per destination, or one maps per destination and the
      // other filters by port): say so at once instead of after the punch timeout.
      if (state != PeerState.NO_PATH) {
        noPath(
            "no direct path: our NAT is "
                + localNat.wire()
                + ", the peer's "
                + info.nat().wire()
                + "; relay",
            now,
            out);
      } else {
        repunch.afterFailedAttempt(now, false);
      }
      return;
    }
    transition(PeerState.PUNCHING, reason, out);
    chosen = null;
    repunch.punchStarted();
    liveness.reset(now);
    if (role.birthday()) {
      startBirthday(peerIsPunching, now, out);
      return;
    }
    punch.begin(now, peerIsPunching);
    punch.mappingsKnownAtStart = reflexivePosted && info.mapped() != null;
    punch.onlyTo = onlyTo;
    punch.heard = onlyTo != null; // its ping arrived: our NAT is open towards it, normal TTL
    if (role.sendsFirst()) {
      // Open our own NAT first (low TTL, or full TTL from a hard NAT), then tell the peer to start:
      // docs/NAT-TRAVERSAL.md §3.1.
      pingCandidates(now, out);
      sendCallMeMaybe(now, out);
    } else {
      sendCallMeMaybe(now, out);
      pingCandidates(now, out);
    }
  }

  /**
   * A birthday attempt (docs/DAEMON.md, "Birthday punch"). Its probes reach the far NAT, so a
   * failed one always waits for the full re-punch backoff, whoever calls.
   */
  private void startBirthday(boolean peerIsPunching, long now, List<PeerAction> out) {
    punch.begin(now, peerIsPunching, BirthdayPunch.TIMEOUT);
    punch.sentFar = true;
    birthday.begin();
    if (role == PunchRole.BIRTHDAY_SPRAY) {
      out.add(
          new BirthdaySpray(
              BirthdayPunch.sprayTargets(candidates.all()),
              BirthdayPunch.SOCKETS,
              timings.openerTtls().getFirst()));
    }
    sendCallMeMaybe(now, out);
  }

  private void pingCandidates(long now, List<PeerAction> out) {
    punch.pinged(now);
    Integer ttl = null;
    if (role.sendsFirst()) {
      if (role == PunchRole.OPENER_LOW_TTL && !punch.heard) {
        ttl = openerTtl.current();
      }
    } else if (!punch.go) {
      return; // hold until the opener's NAT is open (its call_me_maybe or a ping)
    }
    for (var endpoint : punch.onlyTo != null ? List.of(punch.onlyTo) : candidates.all()) {
      sendPing(endpoint, ttl, false, now, out);
    }
  }

  private void sendKeepalive(long now, List<PeerAction> out) {
    sendPing(chosen, null, true, now, out);
    liveness.keepaliveSent(now);
  }

  private void sendPing(
      InetSocketAddress to, Integer ttl, boolean keepalive, long now, List<PeerAction> out) {
    DiscoTxId tx = DiscoTxId.random(random);
    pings.sent(tx, to, keepalive, now);
    punch.sentFar |= openerTtl.mayReachFar(ttl);
    int socket = birthday.socket() != 0 && to.equals(chosen) ? birthday.socket() : 0;
    out.add(new SendPing(to, tx, ttl, socket));
  }

  private void sendCallMeMaybe(long now, List<PeerAction> out) {
    lastCallMeMaybeAt = now;
    out.add(new SendCallMeMaybe());
  }

  private void suspend(List<PeerAction> out) {
    if (!suspended) {
      suspended = true;
      out.add(new SuspendPath());
    }
  }

  /** docs/NAT-TRAVERSAL.md §3.6: stop sending, wait out stale NAT entries, then punch again. */
  private void pathLost(
      String reason, long silentSince, boolean tellPeer, long now, List<PeerAction> out) {
    suspend(out);
    String why = "path lost (" + reason + "), silent for " + timings.staleWait().toSeconds() + " s";
    out.add(new NoPath(why));
    transition(PeerState.NO_PATH, why, out);
    chosen = null;
    birthday.clear();
    liveness.clearSuspicion();
    repunch.afterLoss(silentSince);
    if (tellPeer) {
      // Tell the peer (via the relay) that we are re-punching, so it probes and goes silent too.
      sendCallMeMaybe(now, out);
    }
  }

  private void noPath(String reason, long now, List<PeerAction> out) {
    if (birthday.active()) {
      out.add(birthday.end("timeout"));
    }
    out.add(new NoPath(reason));
    transition(PeerState.NO_PATH, reason, out);
    chosen = null;
    birthday.clear();
    // Entries left: ours on the far NAT (pings that may have reached it), or the peer's on ours
    // (it punched, and what it sent while our NAT had no matching flow stays there 30 s).
    repunch.afterFailedAttempt(now, punch.sentFar || punch.peerPunching);
  }

  private void transition(PeerState to, String reason, List<PeerAction> out) {
    out.add(new Transition(state, to, reason));
    state = to;
  }
}
