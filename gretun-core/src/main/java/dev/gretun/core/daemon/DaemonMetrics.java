package dev.gretun.core.daemon;

import dev.gretun.core.BuildInfo;
import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.metrics.StandardMetrics;
import dev.gretun.core.peer.PeerState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The daemon's Prometheus metrics. Names keep upstream's (gretun_peers{state},
 * gretun_disco_pings_sent_total, gretun_disco_pongs_received_total,
 * gretun_hole_punch_duration_seconds) and add data-plane and failure counters.
 */
public final class DaemonMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<PeerState, AtomicInteger> peersByState = new EnumMap<>(PeerState.class);
  final Counter pingsSent;
  final Counter pongsReceived;
  final Counter pongsRejected;
  final Counter punchFailures;
  final Counter discoDropped;
  final Counter birthdayProbes;
  final Counter birthdayDirect;
  final Counter birthdayTimeout;
  final Timer punchDuration;

  public DaemonMetrics(DataplaneCounters dp) {
    StandardMetrics.register(registry, "gretun", BuildInfo.current());
    for (PeerState s : PeerState.values()) {
      AtomicInteger n = new AtomicInteger();
      peersByState.put(s, n);
      Gauge.builder("gretun_peers", n, AtomicInteger::get)
          .description("Peers per state")
          .tag("state", s.label())
          .register(registry);
    }
    pingsSent = counter("gretun_disco_pings_sent", "Disco pings sent (punch and keepalive)");
    pongsReceived = counter("gretun_disco_pongs_received", "Disco pongs accepted");
    pongsRejected = counter("gretun_disco_pongs_rejected", "Pongs answering no ping we sent");
    punchFailures =
        counter("gretun_punch_failures", "Punch attempts and paths that ended in no_path");
    discoDropped = counter("gretun_disco_dropped", "Disco/STUN datagrams that failed to open");
    birthdayProbes =
        counter("gretun_birthday_probes", "Birthday punch probes sent to random ports (easy side)");
    birthdayDirect = birthdayPunch("direct");
    birthdayTimeout = birthdayPunch("timeout");
    punchDuration =
        Timer.builder("gretun_hole_punch_duration")
            .description("Time from entering punching to direct")
            .serviceLevelObjectives(
                Duration.ofMillis(250),
                Duration.ofMillis(500),
                Duration.ofSeconds(1),
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                Duration.ofSeconds(10),
                Duration.ofSeconds(30))
            .register(registry);
    dataplane("gretun_dataplane_packets", "Inner packets", "rx", dp.rxPackets);
    dataplane("gretun_dataplane_packets", "Inner packets", "tx", dp.txPackets);
    dataplane("gretun_dataplane_bytes", "Inner bytes", "rx", dp.rxBytes);
    dataplane("gretun_dataplane_bytes", "Inner bytes", "tx", dp.txBytes);
    drop("no_path", dp.dropNoPath);
    drop("unknown_key", dp.dropUnknownKey);
    drop("wrong_source", dp.dropWrongSource);
    drop("malformed", dp.dropMalformed);
    drop("spoofed_source", dp.dropSpoofedSource);
    drop("send_failed", dp.dropSendFailed);
    drop("send_error", dp.dropSendError);
    drop("receive_error", dp.dropReceiveError);
    drop("disco_stun_busy", dp.dropDiscoStunBusy);
    FunctionCounter.builder(
            "gretun_dataplane_rx_coalesced_segments", dp.rxCoalescedSegments, LongAdder::sum)
        .description("Received TCP segments written to the TUN device joined into super-packets")
        .register(registry);
    FunctionCounter.builder(
            "gretun_dataplane_gre_key_collisions", dp.greKeyCollisions, LongAdder::sum)
        .description("Peers refused because another peer of this node holds their GRE key")
        .register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Publishes the per-state peer counts (event loop). */
  void setPeerCounts(Map<PeerState, Integer> counts) {
    for (Map.Entry<PeerState, AtomicInteger> e : peersByState.entrySet()) {
      e.getValue().set(counts.getOrDefault(e.getKey(), 0));
    }
  }

  private Counter birthdayPunch(String result) {
    return Counter.builder("gretun_birthday_punches")
        .description("Birthday punch attempts by how they ended")
        .tag("result", result)
        .register(registry);
  }

  private Counter counter(String name, String help) {
    return Counter.builder(name).description(help).register(registry);
  }

  private void dataplane(String name, String help, String dir, LongAdder source) {
    FunctionCounter.builder(name, source, LongAdder::sum)
        .description(help)
        .tag("dir", dir)
        .register(registry);
  }

  private void drop(String reason, LongAdder source) {
    FunctionCounter.builder("gretun_dataplane_drops", source, LongAdder::sum)
        .description("Packets dropped by the data plane")
        .tag("reason", reason)
        .register(registry);
  }
}
