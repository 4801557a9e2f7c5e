package dev.gretun.core.log;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * How a log argument becomes text. Addresses print as {@code ip:port} and {@code ip} ({@link
 * InetSocketAddress#toString} would give {@code /1.2.3.4:80}, {@link InetAddress#toString} {@code
 * /1.2.3.4}); everything else is {@link String#valueOf}.
 */
public final class LogValues {
  private LogValues() {}

  public static String text(Object value) {
    return switch (value) {
      case null -> null;
      case String s -> s;
      case InetSocketAddress a -> address(a);
      case InetAddress a -> a.getHostAddress();
      case Object[] array -> Arrays.deepToString(array);
      default -> String.valueOf(value);
    };
  }

  private static String address(InetSocketAddress a) {
    String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    return host + ":" + a.getPort();
  }
}
