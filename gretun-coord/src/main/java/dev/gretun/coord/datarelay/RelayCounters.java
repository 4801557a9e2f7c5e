package dev.gretun.coord.datarelay;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The relay's meters: {@code gretun_coord_relay_packets_total{result}}, {@code
 * gretun_coord_relay_bytes_total} (forwarded), {@code gretun_coord_relay_binds_total{result}} and
 * {@code gretun_coord_relay_bindings}.
 */
final class RelayCounters {
  final Map<RelayTable.Result, LongAdder> packets = new EnumMap<>(RelayTable.Result.class);
  final Map<BindAdmission.Outcome, LongAdder> binds = new EnumMap<>(BindAdmission.Outcome.class);
  final LongAdder malformed = new LongAdder();
  final LongAdder bindsRateLimited = new LongAdder();
  final LongAdder bindsSourceTaken = new LongAdder();
  final LongAdder sendFailed = new LongAdder();
  final LongAdder forwardedBytes = new LongAdder();
  final AtomicInteger bindings = new AtomicInteger();

  RelayCounters(MeterRegistry registry) {
    for (RelayTable.Result r : RelayTable.Result.values()) {
      LongAdder a = new LongAdder();
      packets.put(r, a);
      packetCounter(registry, r.label(), a);
    }
    packetCounter(registry, "malformed", malformed);
    packetCounter(registry, "send_failed", sendFailed);
    for (BindAdmission.Outcome o : BindAdmission.Outcome.values()) {
      LongAdder a = new LongAdder();
      binds.put(o, a);
      bindCounter(registry, o.label(), a);
    }
    bindCounter(registry, "rate_limited", bindsRateLimited);
    bindCounter(registry, "source_taken", bindsSourceTaken);
    FunctionCounter.builder("gretun.coord.relay.bytes", forwardedBytes, LongAdder::sum)
        .description("relayed GRE bytes forwarded")
        .register(registry);
    Gauge.builder("gretun.coord.relay.bindings", bindings::get)
        .description("nodes bound to the data relay")
        .register(registry);
  }

  private static void packetCounter(MeterRegistry registry, String result, LongAdder a) {
    FunctionCounter.builder("gretun.coord.relay.packets", a, LongAdder::sum)
        .tag("result", result)
        .register(registry);
  }

  private static void bindCounter(MeterRegistry registry, String result, LongAdder a) {
    FunctionCounter.builder("gretun.coord.relay.binds", a, LongAdder::sum)
        .tag("result", result)
        .register(registry);
  }

  long packets(RelayTable.Result r) {
    return packets.get(r).sum();
  }

  long binds(BindAdmission.Outcome o) {
    return binds.get(o).sum();
  }
}
