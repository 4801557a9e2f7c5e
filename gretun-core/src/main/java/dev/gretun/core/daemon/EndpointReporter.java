package dev.gretun.core.daemon;

import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.dataplane.Dataplane;
import dev.gretun.core.netcheck.NatType;
import dev.gretun.core.stun.NatMapping;
import dev.gretun.core.stun.StunClient;
import dev.gretun.core.stun.StunResult;
import dev.gretun.core.util.Ticker;
import dev.gretun.core.wire.disco.Endpoints;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our endpoints: STUN on port P to every server (through the data plane, so the mapping is the one
 * data uses), then local + mapped endpoints posted to the coordinator when they changed or the node
 * re-registered: at the first server's answer (a dead server must not hold the mapping back while
 * peers wait for it), and again once every server answered or timed out. With two or more servers
 * answering, the mapping behaviour (RFC 4787) of port P is classified. A netcheck ({@link
 * NatProbe}) runs on a thread of its own at the first refresh, whenever the local addresses or port
 * P's mapping behaviour change, and every {@link #NETCHECK_INTERVAL_NANOS}; the NAT type
 * (netcheck's, or "hard" when port P's mapping is endpoint-dependent whatever netcheck said) is
 * posted with the endpoints and given to the peer table. A refresh in which no server answered is
 * tried again {@link #STUN_RETRY_FIRST_NANOS} later, then at doubling intervals up to {@link
 * #STUN_RETRY_MAX_NANOS}, instead of at the next periodic refresh: until a mapping is posted, peers
 * have only our LAN addresses and every punch towards us fails. Event loop only, except the post
 * and the netcheck themselves.
 */
final class EndpointReporter {
  private static final Logger log = LoggerFactory.getLogger(EndpointReporter.class);
  private static final long STUN_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(3);
  static final long STUN_RETRY_FIRST_NANOS = TimeUnit.SECONDS.toNanos(2);
  static final long STUN_RETRY_MAX_NANOS = TimeUnit.SECONDS.toNanos(16);

  /**
   * A NAT can change behind an unchanged local address (a router replaced or reconfigured): the
   * netcheck runs again at least this often, besides on a local-address change and when port P's
   * mapping behaviour changes (docs/DAEMON.md "NAT type").
   */
  static final long NETCHECK_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(5);

  /** The host's local endpoints on port P (may fail: then none are announced). */
  interface LocalEndpoints {
    List<InetSocketAddress> collect(int port) throws IOException;
  }

  private final Coordinator coord;
  private final Dataplane dataplane;
  private final List<InetSocketAddress> stunServers;
  private final LocalEndpoints local;
  private final Ticker ticker;
  private final Executor coordSender;
  private final Executor loop;
  private final Consumer<NatType> localNat;
  private final Consumer<Boolean> reflexivePosted;
  private final NatProbe natProbe;
  private final StunClient stun;
  private Runnable onKnown; // run once, when our endpoints are first known
  private InetSocketAddress stunMapped;
  private NatMapping.Behaviour behaviour = NatMapping.Behaviour.UNKNOWN;
  private List<CoordWire.Endpoint> posted = List.of();
  private NatType checkedNat = NatType.UNKNOWN; // the last netcheck's verdict
  private NatType postedNat = NatType.UNKNOWN;
  private NatType effectiveNat = NatType.UNKNOWN;
  private List<InetSocketAddress> lastLocal; // null before the first collection
  private boolean checking;
  private boolean recheck;
  private long lastCheckAt;
  private boolean checkedOnce;
  private int registrationsSeen;
  private long stunRetryAt = Long.MAX_VALUE;
  private long stunRetryDelay = STUN_RETRY_FIRST_NANOS;

  /**
   * @param coordSender runs the blocking post
   * @param loop the event loop (a failed post is noted there)
   * @param localNat told our NAT type whenever it changes
   * @param reflexivePosted told after each successful post whether it had our STUN-mapped endpoint
   * @param natProbe the netcheck, run off the loop
   * @param onKnown run once on the loop when the first refresh has our endpoints: its first STUN
   *     answer arrived, or every server failed
   */
  EndpointReporter(
      Coordinator coord,
      Dataplane dataplane,
      List<InetSocketAddress> stunServers,
      LocalEndpoints local,
      Ticker ticker,
      Executor coordSender,
      Executor loop,
      Consumer<NatType> localNat,
      Consumer<Boolean> reflexivePosted,
      NatProbe natProbe,
      Runnable onKnown) {
    this.coord = coord;
    this.dataplane = dataplane;
    this.stunServers = List.copyOf(stunServers);
    this.local = local;
    this.ticker = ticker;
    this.coordSender = coordSender;
    this.loop = loop;
    this.localNat = localNat;
    this.reflexivePosted = reflexivePosted;
    this.natProbe = natProbe;
    this.onKnown = onKnown;
    this.registrationsSeen = coord.registrations();
    this.stun =
        new StunClient(
            (b, to) -> dataplane.sendDiscoStun(b, 0, b.length, to, 0),
            new SecureRandom(),
            StunClient.Timing.defaults(),
            ticker::nanos);
  }

  /** A STUN datagram from port P; false when it answers nothing we asked. */
  boolean offerStun(byte[] b, InetSocketAddress from) {
    return stun.offer(b, 0, b.length, from);
  }

  /** Runs STUN retransmissions and timeouts, and the retry of a refresh nobody answered. */
  void poll() {
    stun.poll();
    if (ticker.nanos() >= stunRetryAt && !stunInFlight()) {
      stunRetryAt = Long.MAX_VALUE;
      refresh();
    }
  }

  /** True while a STUN request waits for its answer ({@link #poll} retransmits it). */
  boolean stunInFlight() {
    return stun.pending() > 0;
  }

  /**
   * STUN to every server; the endpoints are posted (if they changed) at the first answer and again
   * when every server answered or timed out.
   */
  void refresh() {
    if (stunServers.isEmpty()) {
      post();
      known();
      return;
    }
    long deadline = ticker.nanos() + STUN_DEADLINE_NANOS;
    StunRound round = new StunRound();
    List<CompletableFuture<StunResult>> results = new ArrayList<>();
    for (InetSocketAddress server : stunServers) {
      CompletableFuture<StunResult> r = stun.start(server, deadline);
      r.thenAccept(answer -> onAnswer(round, answer));
      results.add(r);
    }
    CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
        .thenRun(() -> onStun(round, results.stream().map(CompletableFuture::join).toList()));
  }

  /** The mapping one refresh learnt: its first answer's (servers differ only behind a hard NAT). */
  private static final class StunRound {
    InetSocketAddress mapped;
  }

  private void onAnswer(StunRound round, StunResult answer) {
    if (!answer.ok() || round.mapped != null) {
      return;
    }
    round.mapped = answer.mapped();
    setMapped(answer.mapped());
    post();
    known();
  }

  private void setMapped(InetSocketAddress mapped) {
    if (mapped != null && !mapped.equals(stunMapped)) {
      log.info("stun_mapped endpoint={}", Endpoints.format(mapped));
    }
    stunMapped = mapped;
  }

  private void known() {
    Runnable r = onKnown;
    onKnown = null;
    if (r != null) {
      r.run();
    }
  }

  private void onStun(StunRound round, List<StunResult> results) {
    if (round.mapped == null) { // the last answer's onAnswer may run after this
      round.mapped =
          results.stream().filter(StunResult::ok).map(StunResult::mapped).findFirst().orElse(null);
    }
    if (round.mapped == null) {
      stunRetryAt = ticker.nanos() + stunRetryDelay;
      log.warn(
          "stun_failed servers={} retry_in_ms={}",
          stunServers,
          TimeUnit.NANOSECONDS.toMillis(stunRetryDelay));
      stunRetryDelay = Math.min(2 * stunRetryDelay, STUN_RETRY_MAX_NANOS);
    } else {
      stunRetryAt = Long.MAX_VALUE;
      stunRetryDelay = STUN_RETRY_FIRST_NANOS;
    }
    setMapped(round.mapped);
    NatMapping nat = NatMapping.classify(dataplane.port(), results);
    if (nat.behaviour() != NatMapping.Behaviour.UNKNOWN && nat.behaviour() != behaviour) {
      boolean changed = behaviour != NatMapping.Behaviour.UNKNOWN;
      behaviour = nat.behaviour();
      log.info("nat_mapping behaviour={}", behaviour.name().toLowerCase(java.util.Locale.ROOT));
      updateNat();
      if (changed) {
        // Our NAT changed under us: the last netcheck's filtering verdict is stale too.
        startNatCheck("mapping_changed");
      }
    }
    post();
    known();
  }

  /** Starts a netcheck unless one runs (then one more runs after it). */
  private void startNatCheck(String reason) {
    if (stunServers.isEmpty()) {
      return;
    }
    if (checking) {
      recheck = true;
      return;
    }
    checking = true;
    checkedOnce = true;
    lastCheckAt = ticker.nanos();
    log.debug("netcheck_started reason={}", reason);
    Thread.ofVirtual()
        .name("netcheck")
        .start(
            () -> {
              NatType t;
              try {
                t = natProbe.probe(stunServers);
              } catch (IOException | RuntimeException e) {
                log.warn("netcheck_failed error=\"{}\"", e.toString());
                t = NatType.UNKNOWN;
              }
              NatType result = t;
              loop.execute(() -> onNatChecked(result));
            });
  }

  private void onNatChecked(NatType t) {
    checking = false;
    if (t != checkedNat) {
      log.info("netcheck nat={}", t.wire());
    }
    checkedNat = t;
    updateNat();
    post();
    if (recheck) {
      recheck = false;
      startNatCheck("queued");
    }
  }

  private void updateNat() {
    NatType t = behaviour == NatMapping.Behaviour.ENDPOINT_DEPENDENT ? NatType.HARD : checkedNat;
    if (t != effectiveNat) {
      effectiveNat = t;
      log.info("nat_type nat={}", t.wire());
      localNat.accept(t);
    }
  }

  /** Our NAT type as last posted to the coordinator. */
  NatType nat() {
    return postedNat;
  }

  private void post() {
    List<CoordWire.Endpoint> eps = new ArrayList<>();
    List<InetSocketAddress> locals = List.of();
    try {
      locals = local.collect(dataplane.port());
      for (InetSocketAddress a : locals) {
        eps.add(new CoordWire.Endpoint(Endpoints.format(a), "local"));
      }
    } catch (IOException e) {
      log.warn("local_addresses_failed error={}", e.toString());
    }
    if (!locals.equals(lastLocal)) {
      if (lastLocal != null) {
        log.info("network_changed local={}", locals.stream().map(Endpoints::format).toList());
      }
      lastLocal = List.copyOf(locals);
      startNatCheck("network_changed"); // a new network may mean a new NAT
    } else if (checkedOnce && ticker.nanos() - lastCheckAt >= NETCHECK_INTERVAL_NANOS) {
      startNatCheck("periodic");
    }
    if (stunMapped != null) {
      CoordWire.Endpoint mapped = new CoordWire.Endpoint(Endpoints.format(stunMapped), "stun");
      eps.removeIf(e -> e.addr().equals(mapped.addr()));
      eps.add(mapped);
    }
    int regs = coord.registrations();
    NatType nat = effectiveNat;
    if (eps.equals(posted) && regs == registrationsSeen && nat == postedNat) {
      return;
    }
    posted = List.copyOf(eps);
    postedNat = nat;
    registrationsSeen = regs;
    boolean reflexive = stunMapped != null; // eps holds the mapping exactly then
    coordSender.execute(
        () -> {
          try {
            coord.postEndpoints(eps, nat);
            loop.execute(() -> reflexivePosted.accept(reflexive));
            log.info(
                "endpoints_posted endpoints={} nat={}",
                eps.stream().map(CoordWire.Endpoint::addr).toList(),
                nat.wire());
          } catch (IOException | RuntimeException e) {
            log.warn("endpoints_post_failed error={}", e.toString());
            loop.execute(() -> posted = List.of());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
  }

  /** The endpoints posted last (what call_me_maybe tells peers). */
  List<InetSocketAddress> endpoints() {
    List<InetSocketAddress> out = new ArrayList<>();
    for (CoordWire.Endpoint e : posted) {
      out.add(Endpoints.parse(e.addr())); // our own list: parse cannot fail for what we formatted
    }
    return out;
  }
}
