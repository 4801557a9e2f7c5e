package dev.gretun.core.daemon;

import dev.gretun.core.GretunException;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.dataplane.Dataplane;
import dev.gretun.core.dataplane.DiscoStunPacket;
import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.dataplane.PeerTraffic;
import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.core.keys.NodeKeys;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.peer.PeerEvent;
import dev.gretun.core.peer.PeerSnapshot;
import dev.gretun.core.peer.PeerState;
import dev.gretun.core.peer.PeerTable;
import dev.gretun.core.peer.PeerTimings;
import dev.gretun.core.util.Ticker;
import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.demux.PortDemux;
import dev.gretun.core.wire.disco.DiscoMessage;
import dev.gretun.core.wire.disco.DiscoTxId;
import dev.gretun.core.wire.disco.Endpoints;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's state and what happens to it: the peer table, directory, disco codec and endpoint
 * reporter, fed by disco/STUN datagrams, coordinator answers and ticks. Every method runs on the
 * event loop (tests call them directly, with a fake clock).
 */
final class DaemonCore {
  private static final Logger log = LoggerFactory.getLogger(DaemonCore.class);

  private final Dataplane dataplane;
  private final DaemonMetrics metrics;
  private final PeerTable<String> table;
  private final PeerDirectory directory;
  private final DiscoCodec codec;
  private final InstantSource wallClock;
  private final EndpointReporter endpoints;
  private final ActionExecutor actions;
  private final DiscoAdmission admission;
  private final RegistrationWatch registration;
  private final Consumer<GretunException> fatal;
  private final OperatorPings operatorPings;
  private final String nodePublicB64;
  private final SecureRandom random = new SecureRandom();
  private final RelayBinder relayBinder;
  private boolean failed;
  // The peer lists that came before our endpoints, in order (a delta needs those before it).
  private final List<CoordWire.PeersResponse> heldPeers = new ArrayList<>();
  private boolean endpointsKnown;
  private long trafficBytes; // every peer's rx + tx bytes at the last tick

  /** An operator ping on its way: {@code tx} is null when none was sent (the answer is final). */
  record PingStarted(DiscoTxId tx, PingReply base, CompletableFuture<PingReply> reply) {}

  /**
   * What a core is made of; the collaborators behind interfaces are fakes in tests.
   *
   * @param pool our tunnel address and the subnet peers must be in
   * @param wallClock the time disco envelopes are stamped with and checked against
   * @param fatal told (once) when the daemon cannot go on, e.g. our tunnel address changed
   * @param relay the coordinator's data relay, or null when it runs none
   */
  record Parts(
      NodeKeys keys,
      TunnelPool pool,
      List<InetSocketAddress> stunServers,
      Coordinator coord,
      Dataplane dataplane,
      Ticker ticker,
      InstantSource wallClock,
      PeerTimings timings,
      DaemonMetrics metrics,
      EndpointReporter.LocalEndpoints localEndpoints,
      NatProbe natProbe,
      Executor coordSender,
      Executor loop,
      Consumer<GretunException> fatal,
      InetSocketAddress relay) {}

  DaemonCore(Parts p) {
    String self = Base64.getEncoder().encodeToString(p.keys().discoPublic());
    this.dataplane = p.dataplane();
    this.metrics = p.metrics();
    this.table = new PeerTable<>(self, p.ticker(), new SecureRandom(), p.timings());
    this.wallClock = p.wallClock();
    this.codec = new DiscoCodec(p.keys().discoPublic(), p.keys().discoPrivate(), p.wallClock());
    this.directory = new PeerDirectory(new PeerFilter(p.pool(), self, codec::greKey));
    this.admission = new DiscoAdmission(p.wallClock(), p.metrics().registry());
    this.registration = new RegistrationWatch(p.coord(), p.pool());
    this.fatal = p.fatal();
    this.operatorPings = new OperatorPings(p.ticker());
    this.nodePublicB64 = p.keys().nodePublicBase64();
    this.endpoints =
        new EndpointReporter(
            p.coord(),
            p.dataplane(),
            p.stunServers(),
            p.localEndpoints(),
            p.ticker(),
            p.coordSender(),
            p.loop(),
            table::setLocalNat,
            table::setReflexivePosted,
            p.natProbe(),
            this::onEndpointsKnown);
    this.actions =
        new ActionExecutor(
            p.dataplane(),
            directory,
            codec,
            p.coord(),
            p.coordSender(),
            p.metrics(),
            p.keys().nodePublicBase64(),
            SockAddrIn.ipv4(p.pool().selfAddress()),
            endpoints::endpoints);
    if (p.relay() != null && p.dataplane().carriesRelay()) {
      directory.setRelay(p.relay());
      this.relayBinder =
          new RelayBinder(
              p.relay(),
              Ed25519Keys.privateFromSeed(p.keys().nodePrivate()),
              p.keys().nodePublic(),
              p.dataplane(),
              p.wallClock(),
              p.ticker());
    } else {
      this.relayBinder = null;
    }
  }

  void onDiscoStun(DiscoStunPacket p) {
    byte[] b = p.data();
    boolean extra = p.socket() != 0; // a birthday punch's extra socket: disco from its peer only
    if (!extra && PortDemux.classify(b, 0, b.length) == PortDemux.Kind.STUN) {
      if (!endpoints.offerStun(b, p.from())) {
        metrics.discoDropped.increment();
      }
      return;
    }
    DiscoCodec.Opened opened = openOrDrop(b, "disco_dropped", p.from());
    if (opened == null
        || !admission.admit(
            opened,
            extra ? DiscoAdmission.Via.EXTRA_SOCKET : DiscoAdmission.Via.UDP,
            extra ? dataplane.extraSocketPeer(p.socket()) : null,
            p.from(),
            directory.name(opened.sender()))) {
      return;
    }
    if (opened.message() instanceof DiscoMessage.Pong pong
        && operatorPings.onPong(opened.sender(), pong.tx(), p.from())) {
      return;
    }
    PeerEvent event =
        switch (opened.message()) {
          case DiscoMessage.Ping ping ->
              new PeerEvent.PingReceived(ping.tx(), p.from(), p.socket());
          case DiscoMessage.Pong pong ->
              new PeerEvent.PongReceived(pong.tx(), p.from(), pong.src());
          case DiscoMessage.CallMeMaybe cmm -> callMeMaybe(cmm, opened);
        };
    actions.execute(table.on(opened.sender(), event));
  }

  void onSignal(CoordWire.Envelope envelope) {
    byte[] b;
    try {
      b = Base64.getDecoder().decode(String.valueOf(envelope.sealed()));
    } catch (IllegalArgumentException e) {
      metrics.discoDropped.increment();
      return;
    }
    DiscoCodec.Opened opened = openOrDrop(b, "signal_dropped", "relay");
    if (opened == null
        || !admission.admit(
            opened,
            DiscoAdmission.Via.RELAY,
            envelope.fromDisco(),
            "relay",
            directory.name(opened.sender()))) {
      return;
    }
    // Relayed pings/pongs prove nothing about a UDP path (upstream's flaw); only call_me_maybe.
    if (opened.message() instanceof DiscoMessage.CallMeMaybe cmm) {
      actions.execute(table.on(opened.sender(), callMeMaybe(cmm, opened)));
    }
  }

  private PeerEvent callMeMaybe(DiscoMessage.CallMeMaybe cmm, DiscoCodec.Opened opened) {
    Duration age = Duration.ofMillis(wallClock.millis() - opened.contents().sentAtMillis());
    return new PeerEvent.CallMeMaybeReceived(cmm.endpoints(), age);
  }

  /** Opens an envelope from a known peer, or counts and logs it as dropped and returns null. */
  private DiscoCodec.Opened openOrDrop(byte[] b, String event, Object from) {
    try {
      return codec.open(b, 0, b.length, directory::isKnown);
    } catch (WireFormatException e) {
      metrics.discoDropped.increment();
      log.debug("{} from={} reason={}", event, from, e.getMessage());
      return null;
    }
  }

  /**
   * A new peer list. Until our own endpoints are known the lists are held: a ping to a peer before
   * our STUN flows exist can make our NAT map port P to another public port for that peer than the
   * one it posts (Linux picks a fresh port when port P is taken towards that peer, and later flows
   * reuse the first flow's port), so the peer's pings to our posted endpoint go nowhere
   * (docs/DAEMON.md, "Two hosts behind one NAT on the same port").
   */
  void onPeers(CoordWire.PeersResponse r) {
    if (!endpointsKnown) {
      if (r.full()) {
        heldPeers.clear(); // a full list stands for everything before it
      }
      heldPeers.add(r);
      return;
    }
    PeerDirectory.Update update = directory.update(r);
    codec.retain(directory::isKnown);
    admission.expire();
    actions.applyRoutes();
    actions.execute(table.reconcile(update.peers()));
  }

  private void onEndpointsKnown() {
    endpointsKnown = true;
    List<CoordWire.PeersResponse> held = List.copyOf(heldPeers);
    heldPeers.clear();
    for (CoordWire.PeersResponse r : held) {
      onPeers(r);
    }
  }

  /**
   * Runs the timers: STUN, the data plane's traffic report, every peer's machine. Returns how soon
   * the next tick is wanted: fast while a peer punches or STUN is in flight, steady while data
   * moves, idle otherwise (docs/DAEMON.md, "The daemon").
   */
  TickPace tick() {
    if (failed) {
      return TickPace.IDLE;
    }
    GretunException changed = registration.check();
    if (changed != null) {
      failed = true;
      fatal.accept(changed);
      return TickPace.IDLE;
    }
    endpoints.poll();
    Map<String, PeerTraffic> traffic = dataplane.readTraffic();
    long bytes = 0;
    boolean inbound = false;
    for (Map.Entry<String, PeerTraffic> e : traffic.entrySet()) {
      String peer = e.getKey();
      PeerTraffic t = e.getValue();
      bytes += t.rxBytes() + t.txBytes();
      inbound |= t.inboundSeen();
      if (t.pathLost() != null) {
        actions.execute(table.on(peer, new PeerEvent.PathLost(t.pathLost())));
      }
      if (t.inboundSeen()) {
        actions.execute(table.on(peer, PeerEvent.DATA_RECEIVED));
      }
      if (t.relayedSeen()) {
        actions.execute(table.on(peer, PeerEvent.RELAYED_DATA_RECEIVED));
      }
      actions.execute(table.setTraffic(peer, t.rxBytes(), t.txBytes()));
    }
    actions.execute(table.tick());
    if (relayBinder != null) {
      relayBinder.maintain(directory.routes(), directory::nodeKey);
    }
    Map<PeerState, Integer> states = table.countByState();
    metrics.setPeerCounts(states);
    boolean moving = inbound || bytes != trafficBytes;
    trafficBytes = bytes;
    if (endpoints.stunInFlight()
        || states.getOrDefault(PeerState.PUNCHING, 0) > 0
        || states.getOrDefault(PeerState.HAVE_ENDPOINTS, 0) > 0) {
      return TickPace.FAST;
    }
    return moving ? TickPace.MOVING : TickPace.IDLE;
  }

  /**
   * {@code --aggressive-punch} (docs/DAEMON.md, "Birthday punch"): on when the data plane has extra
   * sockets; otherwise logged once, and easy/hard pairs keep the relay.
   */
  void enableAggressivePunch() {
    if (dataplane.supportsExtraSockets()) {
      table.setAggressivePunch(true);
      log.info("aggressive_punch enabled=true");
    } else {
      log.warn(
          "aggressive_punch enabled=false note=\"this data plane has no birthday punch sockets"
              + " (use --dataplane userspace); easy/hard pairs use the relay\"");
    }
  }

  void refreshEndpoints() {
    endpoints.refresh();
  }

  /**
   * The peer table's rows; a peer whose traffic goes through the relay shows path {@code relay}.
   */
  List<PeerSnapshot> snapshot() {
    List<PeerSnapshot> rows = new ArrayList<>();
    for (PeerSnapshot s : table.snapshot()) {
      PeerRoute r = directory.route(s.key());
      rows.add(r != null && r.relayed() ? relayed(s, r.relay()) : s);
    }
    return rows;
  }

  private static PeerSnapshot relayed(PeerSnapshot s, InetSocketAddress relay) {
    return new PeerSnapshot(
        s.key(),
        s.name(),
        s.tunnelIp(),
        s.state(),
        "relay",
        Endpoints.format(relay),
        s.lastPongAgoMillis(),
        s.rttMillis(),
        s.bytesIn(),
        s.bytesOut());
  }

  /**
   * {@code gretun ping PEER}: a disco ping to the peer's direct endpoint (PEER is its name, tunnel
   * address or disco key). A peer without a direct path gets its path at once, no ping.
   *
   * @throws IllegalArgumentException when no peer matches
   */
  PingStarted startPing(String query) throws IOException {
    PeerSnapshot peer = null;
    for (PeerSnapshot s : table.snapshot()) {
      if (query.equals(s.name()) || query.equals(s.tunnelIp()) || query.equals(s.key())) {
        peer = s;
        break;
      }
    }
    if (peer == null) {
      throw new IllegalArgumentException(
          "no peer '" + query + "': give a name, tunnel address or key from 'gretun peers'");
    }
    PingReply base = OperatorPings.base(peer);
    if (!"direct".equals(peer.path()) || peer.endpoint() == null) {
      return new PingStarted(
          null,
          base,
          CompletableFuture.completedFuture(
              "relay".equals(peer.path())
                  ? base
                  : base.withoutPong("no direct path (state " + peer.state() + ")")));
    }
    InetSocketAddress to = Endpoints.parse(peer.endpoint());
    DiscoTxId tx = DiscoTxId.random(random);
    CompletableFuture<PingReply> reply = operatorPings.sent(tx, peer.key(), to, base);
    byte[] env = codec.seal(peer.key(), new DiscoMessage.Ping(tx, nodePublicB64));
    dataplane.sendDiscoStun(env, 0, env.length, to, 0);
    metrics.pingsSent.increment();
    return new PingStarted(tx, base, reply);
  }

  /** The operator's ping {@code tx} timed out. */
  void forgetPing(DiscoTxId tx) {
    operatorPings.forget(tx);
  }
}
