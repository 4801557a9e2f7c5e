package dev.gretun.core.metrics;

import dev.gretun.core.BuildInfo;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;

/**
 * What both programs export besides their own meters: {@code PREFIX_build_info{version,commit} 1}
 * and the Prometheus client's standard process metrics in base units ({@code
 * process_start_time_seconds}, {@code process_open_fds}, {@code process_max_fds}, {@code
 * process_resident_memory_bytes}, {@code process_virtual_memory_bytes}, {@code
 * process_cpu_seconds_total}).
 */
public final class StandardMetrics {
  private StandardMetrics() {}

  /** {@code prefix} is {@code gretun} or {@code gretun_coord}. */
  public static void register(PrometheusMeterRegistry registry, String prefix, BuildInfo build) {
    // A native Info metric: Micrometer's naming would strip the reserved "_info" suffix.
    Info.builder()
        .name(prefix + "_build_info")
        .help("Always 1; the labels say which build is running")
        .labelNames("version", "commit")
        .register(registry.getPrometheusRegistry())
        .addLabelValues(build.version(), build.commit());
    ProcessMetrics.builder().register(registry.getPrometheusRegistry());
  }
}
