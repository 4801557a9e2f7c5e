package dev.gretun.coord.cli;

import dev.gretun.core.util.Durations;
import dev.gretun.core.util.HostPort;
import java.net.InetSocketAddress;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters over the shared parsers, with messages that say what to type instead. */
public final class CliValues {
  private CliValues() {}

  /** "90s", "30m", "24h", "7d", "500ms". */
  public static Duration duration(String text) {
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }

  /** "host:port", ":port" (all addresses) or "[v6]:port"; port 0 lets the kernel choose. */
  public static InetSocketAddress hostPort(String text) {
    try {
      return HostPort.parseBindable(text);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }

  /** picocli converter for durations. */
  public static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return duration(value);
    }
  }

  /** picocli converter for host:port. */
  public static final class HostPortConverter implements ITypeConverter<InetSocketAddress> {
    @Override
    public InetSocketAddress convert(String value) {
      return hostPort(value);
    }
  }
}
