package dev.gretun.core.daemon;

import dev.gretun.core.dataplane.Dataplane;
import dev.gretun.core.peer.PeerAction;
import dev.gretun.core.wire.disco.DiscoMessage;
import dev.gretun.core.wire.disco.DiscoTxId;
import dev.gretun.core.wire.disco.Endpoints;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the birthday punch's actions (docs/DAEMON.md, "Birthday punch"): the hard side's
 * extra sockets and their spray, the winner kept as the peer's data socket, the attempt's log lines
 * (one at the start, one at the end) and metrics. Event loop only.
 */
final class BirthdayActions {
  private static final Logger log = LoggerFactory.getLogger(BirthdayActions.class);

  private final Dataplane dataplane;
  private final DiscoCodec codec;
  private final DaemonMetrics metrics;
  private final String nodePublicB64;
  private final SecureRandom random = new SecureRandom();

  BirthdayActions(Dataplane dataplane, DiscoCodec codec, DaemonMetrics metrics, String nodeB64) {
    this.dataplane = dataplane;
    this.codec = codec;
    this.metrics = metrics;
    this.nodePublicB64 = nodeB64;
  }

  /** Hard side: open the extra sockets and send one low-TTL ping from each to every target. */
  void spray(String peer, String name, PeerAction.BirthdaySpray spray) throws IOException {
    int[] sockets = dataplane.openExtraSockets(peer, spray.sockets());
    int sent = 0;
    for (int socket : sockets) {
      for (InetSocketAddress to : spray.targets()) {
        // A fresh tx and nonce per datagram: the envelopes are indistinguishable from punch pings.
        byte[] env =
            codec.seal(peer, new DiscoMessage.Ping(DiscoTxId.random(random), nodePublicB64));
        if (dataplane.sendDiscoFrom(socket, env, 0, env.length, to, spray.ttl())) {
          sent++;
        }
      }
    }
    metrics.pingsSent.increment(sent);
    log.info(
        "birthday_punch_start peer={} role=spray sockets={} targets={} ttl={} pings={}",
        name,
        sockets.length,
        format(spray.targets()),
        spray.ttl(),
        sent);
  }

  /** Easy side: the first probe is about to go out. */
  void probing(String name, PeerAction.BirthdayProbing probing) {
    List<String> ips = new ArrayList<>();
    for (var a : probing.addresses()) {
      ips.add(a.getHostAddress());
    }
    log.info("birthday_punch_start peer={} role=probe addresses={}", name, ips);
  }

  /** Hard side: the probe came in on {@code won.socket()}; keep it, close the others. */
  void won(String peer, String name, PeerAction.BirthdayWon won) {
    if (!dataplane.keepExtraSocket(peer, won.socket())) {
      log.warn("birthday_socket_gone peer={} socket={}", name, won.socket());
    }
  }

  void ended(String peer, String name, PeerAction.BirthdayEnded ended) {
    boolean direct = "direct".equals(ended.result());
    (direct ? metrics.birthdayDirect : metrics.birthdayTimeout).increment();
    if (!direct) {
      dataplane.closeExtraSockets(peer);
    }
    log.info(
        "birthday_punch_end peer={} result={} probes={}", name, ended.result(), ended.probes());
  }

  private static List<String> format(List<InetSocketAddress> endpoints) {
    List<String> out = new ArrayList<>();
    for (InetSocketAddress e : endpoints) {
      out.add(Endpoints.format(e));
    }
    return out;
  }
}
