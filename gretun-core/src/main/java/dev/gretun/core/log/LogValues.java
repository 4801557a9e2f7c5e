package dev.gretun.core.log;

import dev.gretun.core.util.HostPort;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Collection;
import java.util.stream.Collectors;

/**
 * How a log argument becomes text. Addresses print as {@code ip:port} ({@code [v6]:port}) and
 * {@code ip} ({@link InetSocketAddress#toString} would give {@code /1.2.3.4:80}, {@link
 * InetAddress#toString} {@code /1.2.3.4}); collections and arrays as {@code [a, b]} with each
 * element formatted so; everything else is {@link String#valueOf}.
 */
public final class LogValues {
  private LogValues() {}

  public static String text(Object value) {
    return switch (value) {
      case null -> null;
      case String s -> s;
      case InetSocketAddress a -> HostPort.format(a);
      case InetAddress a -> a.getHostAddress();
      case Object[] array -> text(Arrays.asList(array));
      case Collection<?> c -> // as Collection.toString, with each element formatted here
          c.stream().map(LogValues::text).collect(Collectors.joining(", ", "[", "]"));
      default -> String.valueOf(value);
    };
  }
}
