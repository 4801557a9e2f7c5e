package dev.gretun.coord;

import dev.gretun.coord.cli.CliValues;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Connection limits and the metrics listener (docs/COORD.md "Limits"), mixed into {@link
 * CoordCommand}.
 */
public final class ConnectionOptions {
  @Option(
      names = "--metrics-listen",
      paramLabel = "HOST:PORT|off",
      defaultValue = "127.0.0.1:9465",
      description =
          "Listener for GET /metrics (Prometheus), or 'off'; /metrics is not on --listen"
              + " (default: ${DEFAULT-VALUE}).")
  String metricsListen;

  @Option(
      names = "--request-timeout",
      paramLabel = "DURATION",
      defaultValue = "20s",
      converter = CliValues.DurationConverter.class,
      description =
          "Deadline from a request's first byte until its body is complete; holding a long-poll"
              + " does not count (default: ${DEFAULT-VALUE}).")
  Duration requestTimeout;

  @Option(
      names = "--write-timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      converter = CliValues.DurationConverter.class,
      description =
          "Close a connection whose reply is not read within this time (default: ${DEFAULT-VALUE}).")
  Duration writeTimeout;

  @Option(
      names = "--max-conns-per-ip",
      paramLabel = "N",
      defaultValue = "64",
      description =
          "Open connections per client address (IPv6: per /64); 0 = no cap (default:"
              + " ${DEFAULT-VALUE}).")
  int maxConnsPerIp;

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      defaultValue = "0",
      description = "Open connections in total; 0 = the open-file limit minus a reserve (default).")
  int maxConnections;

  CoordConfig.Connections connections(Function<String, CommandLine.ParameterException> usage) {
    checkTimeout("--request-timeout", requestTimeout, usage);
    checkTimeout("--write-timeout", writeTimeout, usage);
    if (maxConnsPerIp < 0) {
      throw usage.apply("--max-conns-per-ip must be 0 (no cap) or more");
    }
    if (maxConnections < 0) {
      throw usage.apply("--max-connections must be 0 (derived from the open-file limit) or more");
    }
    return new CoordConfig.Connections(
        requestTimeout,
        writeTimeout,
        maxConnsPerIp,
        maxConnections,
        CoordConfig.Connections.defaults().pipelined());
  }

  private static void checkTimeout(
      String flag, Duration d, Function<String, CommandLine.ParameterException> usage) {
    if (d.compareTo(Duration.ofMillis(100)) < 0 || d.compareTo(Duration.ofMinutes(10)) > 0) {
      throw usage.apply(flag + " must be between 100ms and 10m");
    }
  }

  /** The metrics listener, or null for {@code off}. */
  InetSocketAddress metricsListen(Function<String, CommandLine.ParameterException> usage) {
    if (metricsListen.equalsIgnoreCase("off")) {
      return null;
    }
    try {
      return CliValues.hostPort(metricsListen);
    } catch (CommandLine.TypeConversionException e) {
      throw usage.apply("--metrics-listen: " + e.getMessage() + " or 'off'");
    }
  }
}
