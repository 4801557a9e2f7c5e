package dev.gretun.core.log;

import dev.gretun.core.util.HostPort;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * How a log argument becomes text. Addresses print as {@code ip:port} ({@code [v6]:port}) and
 * {@code ip} ({@link InetSocketAddress#toString} would give {@code /1.2.3.4:80}, {@link
 * InetAddress#toString} {@code /1.2.3.4}); everything else is {@link String#valueOf}.
 */
public final class LogValues {
  private LogValues() {}

  public static String text(Object value) {
    return switch (value) {
      case null -> null;
      case String s -> s;
      case InetSocketAddress a -> HostPort.format(a);
      case InetAddress a -> a.getHostAddress();
      case Object[] array -> Arrays.deepToString(array);
      default -> String.valueOf(value);
    };
  }
}
