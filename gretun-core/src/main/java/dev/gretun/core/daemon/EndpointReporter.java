package dev.gretun.core.daemon;

import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.dataplane.Dataplane;
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
 * re-registered. With two or more servers answering, the mapping behaviour (RFC 4787) is classified
 * and reported. Event loop only, except the post itself (on the coordinator sender).
 */
final class EndpointReporter {
  private static final Logger log = LoggerFactory.getLogger(EndpointReporter.class);
  private static final long STUN_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(3);

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
  private final Consumer<Boolean> localSymmetric;
  private final StunClient stun;
  private InetSocketAddress stunMapped;
  private NatMapping.Behaviour behaviour = NatMapping.Behaviour.UNKNOWN;
  private List<CoordWire.Endpoint> posted = List.of();
  private int registrationsSeen;

  /**
   * @param coordSender runs the blocking post
   * @param loop the event loop (a failed post is noted there)
   * @param localSymmetric told whether our NAT maps per destination, when that is known
   */
  EndpointReporter(
      Coordinator coord,
      Dataplane dataplane,
      List<InetSocketAddress> stunServers,
      LocalEndpoints local,
      Ticker ticker,
      Executor coordSender,
      Executor loop,
      Consumer<Boolean> localSymmetric) {
    this.coord = coord;
    this.dataplane = dataplane;
    this.stunServers = List.copyOf(stunServers);
    this.local = local;
    this.ticker = ticker;
    this.coordSender = coordSender;
    this.loop = loop;
    this.localSymmetric = localSymmetric;
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

  /** Runs STUN retransmissions and timeouts. */
  void poll() {
    stun.poll();
  }

  /** STUN to every server, then post the endpoints if they changed. */
  void refresh() {
    if (stunServers.isEmpty()) {
      post();
      return;
    }
    long deadline = ticker.nanos() + STUN_DEADLINE_NANOS;
    List<CompletableFuture<StunResult>> results = new ArrayList<>();
    for (InetSocketAddress server : stunServers) {
      results.add(stun.start(server, deadline));
    }
    CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
        .thenRun(() -> onStun(results.stream().map(CompletableFuture::join).toList()));
  }

  private void onStun(List<StunResult> results) {
    InetSocketAddress mapped =
        results.stream().filter(StunResult::ok).map(StunResult::mapped).findFirst().orElse(null);
    if (mapped == null) {
      log.warn("stun_failed servers={}", stunServers);
    } else if (!mapped.equals(stunMapped)) {
      log.info("stun_mapped endpoint={}", Endpoints.format(mapped));
    }
    stunMapped = mapped;
    NatMapping nat = NatMapping.classify(dataplane.port(), results);
    if (nat.behaviour() != NatMapping.Behaviour.UNKNOWN && nat.behaviour() != behaviour) {
      behaviour = nat.behaviour();
      log.info("nat_mapping behaviour={}", behaviour.name().toLowerCase(java.util.Locale.ROOT));
      localSymmetric.accept(behaviour == NatMapping.Behaviour.ENDPOINT_DEPENDENT);
    }
    post();
  }

  private void post() {
    List<CoordWire.Endpoint> eps = new ArrayList<>();
    try {
      for (InetSocketAddress a : local.collect(dataplane.port())) {
        eps.add(new CoordWire.Endpoint(Endpoints.format(a), "local"));
      }
    } catch (IOException e) {
      log.warn("local_addresses_failed error={}", e.toString());
    }
    if (stunMapped != null) {
      CoordWire.Endpoint mapped = new CoordWire.Endpoint(Endpoints.format(stunMapped), "stun");
      eps.removeIf(e -> e.addr().equals(mapped.addr()));
      eps.add(mapped);
    }
    int regs = coord.registrations();
    if (eps.equals(posted) && regs == registrationsSeen) {
      return;
    }
    posted = List.copyOf(eps);
    registrationsSeen = regs;
    coordSender.execute(
        () -> {
          try {
            coord.postEndpoints(eps);
            log.info(
                "endpoints_posted endpoints={}",
                eps.stream().map(CoordWire.Endpoint::addr).toList());
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
