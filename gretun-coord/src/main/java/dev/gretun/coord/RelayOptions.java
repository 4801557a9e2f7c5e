package dev.gretun.coord;

import dev.gretun.coord.cli.CliValues;
import dev.gretun.coord.datarelay.RelaySettings;
import java.net.InetSocketAddress;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The data relay's flags (docs/COORD.md "Data relay"), mixed into {@link CoordCommand}. */
public final class RelayOptions {
  @Option(
      names = "--relay-listen",
      paramLabel = "HOST:PORT|off",
      defaultValue = "off",
      description =
          "UDP address of the data relay for peers without a direct path, or 'off' (default:"
              + " ${DEFAULT-VALUE}).")
  String listen;

  @Option(
      names = "--relay-advertise",
      paramLabel = "HOST:PORT",
      description =
          "Relay address named in register replies (default: the relay listen address, or the"
              + " host nodes used to reach this coordinator).")
  String advertise;

  @Option(
      names = "--relay-packet-rate",
      paramLabel = "N",
      defaultValue = "20000",
      description = "Relayed datagrams per second per node (default: ${DEFAULT-VALUE}).")
  long packetRate;

  @Option(
      names = "--relay-byte-rate",
      paramLabel = "BYTES",
      defaultValue = "26214400",
      description = "Relayed bytes per second per node (default: ${DEFAULT-VALUE}, 25 MiB).")
  long byteRate;

  /** The settings, or null when the relay is off; {@code usage} turns a message into exit 2. */
  RelaySettings settings(Function<String, CommandLine.ParameterException> usage) {
    if (listen.equalsIgnoreCase("off")) {
      return null;
    }
    InetSocketAddress bind;
    try {
      bind = CliValues.hostPort(listen);
    } catch (CommandLine.TypeConversionException e) {
      throw usage.apply("--relay-listen: " + e.getMessage() + " or 'off'");
    }
    if (advertise != null && !advertise.matches("[A-Za-z0-9.-]+:\\d{1,5}")) {
      throw usage.apply("--relay-advertise: '" + advertise + "' must be HOST:PORT (IPv4 or name)");
    }
    if (packetRate < 1 || byteRate < 65_535) {
      throw usage.apply("--relay-packet-rate must be >= 1 and --relay-byte-rate >= 65535");
    }
    return new RelaySettings(bind, advertise, packetRate, byteRate, RelaySettings.DEFAULT_BIND_TTL);
  }
}
