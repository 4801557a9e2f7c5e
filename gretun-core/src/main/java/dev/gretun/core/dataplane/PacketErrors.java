package dev.gretun.core.dataplane;

import dev.gretun.core.os.Errno;
import dev.gretun.core.util.Ticker;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one packet thread does with an errno it did not expect: {@link #fatal} tells whether the
 * loop can go on at all; {@link #record} logs without flooding — the first occurrence of each errno
 * at once, then one summary line per errno per {@link #SUMMARY_NANOS} with how many more there
 * were. Owned by one thread (not thread-safe); allocates nothing after the first log line.
 */
public final class PacketErrors {
  private static final Logger log = LoggerFactory.getLogger(PacketErrors.class);
  static final long SUMMARY_NANOS = 60_000_000_000L;
  private static final int MAX_ERRNO = 4096;
  // Linux asm-generic/errno.h values Errno does not name.
  private static final int EBADFD = 77;
  private static final int ENOTSOCK = 88;

  private final String thread;
  private final Ticker ticker;
  private final long[] unreported = new long[MAX_ERRNO];
  private final long[] lastLog = new long[MAX_ERRNO];
  private final boolean[] seen = new boolean[MAX_ERRNO];

  public PacketErrors(String thread, Ticker ticker) {
    this.thread = thread;
    this.ticker = ticker;
    Arrays.fill(lastLog, Long.MIN_VALUE);
  }

  /**
   * True when {@code errno} means the descriptor itself is gone or unusable (EBADF, EBADFD,
   * ENOTSOCK) or our own memory is wrong (EFAULT): no later call on it can succeed, so the thread
   * must stop and the daemon fail. Every other errno loses at most the datagram at hand.
   */
  public static boolean fatal(int errno) {
    return Errno.EBADF.is(errno) || Errno.EFAULT.is(errno) || errno == EBADFD || errno == ENOTSOCK;
  }

  /** Logs a non-fatal {@code errno} from {@code call}, rate-limited as the class says. */
  public void record(String call, int errno) {
    int i = errno > 0 && errno < MAX_ERRNO ? errno : 0;
    long now = ticker.nanos();
    if (!seen[i]) {
      seen[i] = true;
      lastLog[i] = now;
      log.warn(
          "dataplane_packet_error thread={} call={} errno={} action=dropped_and_continued"
              + " note=\"further ones are summarised every {} s\"",
          thread,
          call,
          Errno.describe(errno),
          SUMMARY_NANOS / 1_000_000_000L);
      return;
    }
    unreported[i]++;
    if (now - lastLog[i] >= SUMMARY_NANOS) {
      log.warn(
          "dataplane_packet_errors thread={} call={} errno={} count={} window_s={}",
          thread,
          call,
          Errno.describe(errno),
          unreported[i],
          (now - lastLog[i]) / 1_000_000_000L);
      unreported[i] = 0;
      lastLog[i] = now;
    }
  }
}
