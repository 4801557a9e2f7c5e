package dev.gretun.coord.http;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's open-file limit (RLIMIT_NOFILE). The JVM already raises the soft limit to the hard
 * one at start on Linux ({@code -XX:+MaxFDLimit}, on by default), so {@code soft} is normally the
 * hard limit; raise the hard limit with systemd's {@code LimitNOFILE=} or {@code ulimit -Hn}.
 */
record FdLimit(long soft, long hard) {
  /** File descriptors kept for everything but client connections (JVM, store, STUN, listeners). */
  static final long RESERVE = 256;

  static FdLimit current() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String[] f = line.substring("Max open files".length()).trim().split("\\s+");
          return new FdLimit(value(f[0]), value(f[1]));
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or an unexpected format: ask the JVM (soft limit only)
    }
    long soft =
        ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean u
            ? u.getMaxFileDescriptorCount()
            : 4096;
    return new FdLimit(soft, soft);
  }

  private static long value(String text) {
    return text.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(text);
  }

  /** Connections that fit below the soft limit with a reserve (a quarter of a small limit). */
  int connectionCap() {
    long reserve = Math.min(RESERVE, soft / 4);
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, soft - reserve));
  }
}
