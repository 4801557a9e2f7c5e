package dev.gretun.core.daemon;

import dev.gretun.core.dataplane.Dataplane;
import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.peer.KeyedAction;
import dev.gretun.core.peer.PeerAction;
import dev.gretun.core.wire.disco.DiscoMessage;
import dev.gretun.core.wire.disco.Endpoints;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the peer table's actions: disco datagrams through the data plane, call_me_maybe
 * through the coordinator, path changes as routes for the data plane (applied once per batch), logs
 * and metrics. Event loop only.
 */
final class ActionExecutor {
  private static final Logger log = LoggerFactory.getLogger(ActionExecutor.class);

  private final Dataplane dataplane;
  private final PeerDirectory directory;
  private final DiscoCodec codec;
  private final Coordinator coord;
  private final Executor coordSender;
  private final DaemonMetrics metrics;
  private final String nodePublicB64;
  private final int tunnelIp;
  private final Supplier<List<java.net.InetSocketAddress>> ourEndpoints;
  private final BirthdayActions birthday;
  private int probeSeq;

  ActionExecutor(
      Dataplane dataplane,
      PeerDirectory directory,
      DiscoCodec codec,
      Coordinator coord,
      Executor coordSender,
      DaemonMetrics metrics,
      String nodePublicB64,
      int tunnelIp,
      Supplier<List<java.net.InetSocketAddress>> ourEndpoints) {
    this.dataplane = dataplane;
    this.directory = directory;
    this.codec = codec;
    this.coord = coord;
    this.coordSender = coordSender;
    this.metrics = metrics;
    this.nodePublicB64 = nodePublicB64;
    this.tunnelIp = tunnelIp;
    this.ourEndpoints = ourEndpoints;
    this.birthday = new BirthdayActions(dataplane, codec, metrics, nodePublicB64);
  }

  /** Carries out {@code actions} in order, then hands changed routes to the data plane. */
  void execute(List<KeyedAction<String>> actions) {
    for (KeyedAction<String> ka : actions) {
      try {
        execute(ka.peer(), ka.action());
      } catch (IOException | RuntimeException e) {
        log.warn(
            "action_failed peer={} action={} error={}",
            directory.name(ka.peer()),
            ka.action(),
            e.toString());
      }
    }
    applyRoutes();
  }

  /** Hands the routes to the data plane if any changed. */
  void applyRoutes() {
    if (directory.takeRoutesChanged()) {
      dataplane.apply(List.copyOf(directory.routes()));
    }
  }

  private void execute(String peer, PeerAction action) throws IOException {
    String name = directory.name(peer);
    switch (action) {
      case PeerAction.SendPing ping -> {
        byte[] env = codec.seal(peer, new DiscoMessage.Ping(ping.tx(), nodePublicB64));
        send(env, ping.to(), ping.ttl() == null ? 0 : ping.ttl(), ping.socket());
        metrics.pingsSent.increment();
      }
      case PeerAction.SendPong pong -> {
        byte[] env = codec.seal(peer, new DiscoMessage.Pong(pong.tx(), pong.src()));
        send(env, pong.to(), 0, pong.socket());
      }
      case PeerAction.BirthdaySpray spray -> birthday.spray(peer, name, spray);
      case PeerAction.BirthdayProbing probing -> birthday.probing(name, probing);
      case PeerAction.BirthdayProbe probe -> {
        byte[] env = codec.seal(peer, new DiscoMessage.Ping(probe.tx(), nodePublicB64));
        dataplane.sendDiscoStun(env, 0, env.length, probe.to(), 0);
        metrics.pingsSent.increment();
        metrics.birthdayProbes.increment();
      }
      case PeerAction.BirthdayWon won -> birthday.won(peer, name, won);
      case PeerAction.BirthdayEnded ended -> birthday.ended(peer, name, ended);
      case PeerAction.SendCallMeMaybe ignored -> sendCallMeMaybe(peer);
      case PeerAction.SendDataProbe ignored -> {
        PeerRoute route = directory.route(peer);
        if (route != null) {
          applyRoutes(); // the path configured in this batch must exist before the probe
          int dst = SockAddrIn.ipv4(route.tunnelIp());
          dataplane.probe(peer, DataPathProbe.echoRequest(tunnelIp, dst, ++probeSeq & 0xffff));
        }
      }
      case PeerAction.ConfigureDirectPath c -> {
        directory.setEndpoint(peer, c.endpoint());
        log.info("peer_path peer={} endpoint={}", name, Endpoints.format(c.endpoint()));
      }
      case PeerAction.SuspendPath ignored -> {
        directory.setSending(peer, false);
        log.info("peer_path_suspended peer={}", name);
      }
      case PeerAction.ResumePath ignored -> {
        directory.setSending(peer, true);
        log.info("peer_path_resumed peer={}", name);
      }
      case PeerAction.NoPath noPath -> {
        directory.setSending(peer, false);
        dataplane.closeExtraSockets(peer); // a birthday punch's data socket, if any
        metrics.punchFailures.increment();
        if (directory.relay() != null) {
          log.warn(
              "peer_no_path peer={} reason={} path=relay relay={} note=\"no direct path;"
                  + " traffic goes through the coordinator's relay, direct is retried\"",
              name,
              noPath.reason(),
              Endpoints.format(directory.relay()));
        } else {
          log.warn(
              "peer_no_path peer={} reason={} path=none note=\"no direct path and the"
                  + " coordinator runs no relay: traffic to this peer is dropped\"",
              name,
              noPath.reason());
        }
      }
      case PeerAction.RemovePeer ignored -> {
        dataplane.closeExtraSockets(peer);
        directory.remove(peer);
      }
      case PeerAction.Transition t ->
          log.info(
              "peer_state peer={} from={} to={} reason={}",
              name,
              t.from().label(),
              t.to().label(),
              t.reason());
      case PeerAction.PunchSucceeded s -> {
        metrics.pongsReceived.increment();
        metrics.punchDuration.record(s.duration());
        log.info(
            "punch_succeeded peer={} endpoint={} duration_ms={}",
            name,
            Endpoints.format(s.endpoint()),
            s.duration().toMillis());
      }
      case PeerAction.PongRejected r -> {
        metrics.pongsRejected.increment();
        log.debug("pong_rejected peer={} from={} reason={}", name, r.from(), r.reason());
      }
    }
  }

  /** A disco datagram from port P ({@code socket} 0) or from a birthday punch's extra socket. */
  private void send(byte[] env, java.net.InetSocketAddress to, int ttl, int socket)
      throws IOException {
    if (socket == 0) {
      dataplane.sendDiscoStun(env, 0, env.length, to, ttl);
    } else {
      dataplane.sendDiscoFrom(socket, env, 0, env.length, to, ttl);
    }
  }

  private void sendCallMeMaybe(String peer) {
    byte[] sealed = codec.seal(peer, new DiscoMessage.CallMeMaybe(ourEndpoints.get()));
    byte[] to = Base64.getDecoder().decode(peer);
    coordSender.execute(
        () -> {
          try {
            coord.sendSignal(to, sealed);
          } catch (IOException | RuntimeException e) {
            log.warn("call_me_maybe_failed peer={} error={}", peer.substring(0, 8), e.toString());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
  }
}
