package dev.gretun.core.dataplane.kernel;

import dev.gretun.core.GretunException;
import dev.gretun.core.util.Ticker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Source enforcement for the kernel plane: strict reverse-path filtering (RFC 3704 §2.2, {@code
 * rp_filter=1}) on every peer device. Each peer has its own {@code gt*} device whose only route is
 * the peer's /32, so a packet arriving on peer X's device with a source other than X's tunnel
 * address fails the reverse-path check and is dropped (counted by the kernel as {@code
 * IPReversePathFilter} in {@code /proc/net/netstat}).
 *
 * <p>The kernel applies {@code max(conf/all/rp_filter, conf/DEV/rp_filter)}, so with {@code all} at
 * 2 (loose, as some distributions ship it) the device's 1 would be loose too: then {@code all} is
 * lowered to 1 (logged) and put back to 2 at close if nobody changed it meanwhile. Interfaces whose
 * own value is 2 stay loose. Because udev/systemd-sysctl may re-apply a distribution default to a
 * new device after we set it, the values are checked again every {@link #RECHECK_NANOS}.
 */
final class ReversePathFilter {
  private static final Logger log = LoggerFactory.getLogger(ReversePathFilter.class);
  static final long RECHECK_NANOS = 5_000_000_000L;
  static final String ALL = "net/ipv4/conf/all/rp_filter";
  private static final int STRICT = 1;
  private static final int LOOSE = 2;

  /** Reads and writes integer sysctls by their {@code /proc/sys}-relative path. */
  interface ProcSys {
    int read(String key) throws IOException;

    void write(String key, int value) throws IOException;

    /** The real one: {@code /proc/sys} of this thread's network namespace. */
    ProcSys REAL =
        new ProcSys() {
          @Override
          public int read(String key) throws IOException {
            return Integer.parseInt(Files.readString(Path.of("/proc/sys", key)).strip());
          }

          @Override
          public void write(String key, int value) throws IOException {
            Files.writeString(Path.of("/proc/sys", key), value + "\n", StandardCharsets.US_ASCII);
          }
        };
  }

  private final ProcSys sys;
  private final Ticker ticker;
  private boolean loweredAll;
  private long lastCheck;

  ReversePathFilter(ProcSys sys, Ticker ticker) {
    this.sys = sys;
    this.ticker = ticker;
    this.lastCheck = ticker.nanos();
  }

  static String key(String device) {
    return "net/ipv4/conf/" + device + "/rp_filter";
  }

  /** At start: makes sure {@code all} does not turn the devices' strict mode into loose. */
  void prepare() {
    try {
      int all = sys.read(ALL);
      if (all == LOOSE) {
        sys.write(ALL, STRICT);
        loweredAll = true;
        log.warn(
            "kernel_rp_filter_all_lowered from=2 to=1 reason=\"the kernel uses max(all, device);"
                + " loose would let one peer send as another\" note=\"interfaces set to 2 stay"
                + " loose; restored at exit\"");
      }
    } catch (IOException | NumberFormatException e) {
      throw failure(ALL, e);
    }
  }

  /** Sets strict mode on {@code device} (a peer device just created). */
  void strict(String device) {
    try {
      sys.write(key(device), STRICT);
    } catch (IOException e) {
      throw failure(key(device), e);
    }
  }

  /** At most every {@link #RECHECK_NANOS}: puts back strict mode where something changed it. */
  void recheck(Collection<String> devices) {
    long now = ticker.nanos();
    if (now - lastCheck < RECHECK_NANOS) {
      return;
    }
    lastCheck = now;
    for (String d : devices) {
      try {
        int v = sys.read(key(d));
        if (v != STRICT) {
          sys.write(key(d), STRICT);
          log.warn("kernel_rp_filter_reset device={} was={}", d, v);
        }
      } catch (IOException | NumberFormatException e) {
        log.debug("kernel_rp_filter_recheck_skipped device={} error={}", d, e.toString());
      }
    }
    try {
      if (sys.read(ALL) == LOOSE) {
        sys.write(ALL, STRICT);
        loweredAll = true;
        log.warn("kernel_rp_filter_all_lowered from=2 to=1 reason=\"changed back while running\"");
      }
    } catch (IOException | NumberFormatException e) {
      log.debug("kernel_rp_filter_recheck_skipped key={} error={}", ALL, e.toString());
    }
  }

  /** At close: puts {@code all} back to 2 if we lowered it and it is still our 1. */
  void restore() {
    if (!loweredAll) {
      return;
    }
    try {
      if (sys.read(ALL) == STRICT) {
        sys.write(ALL, LOOSE);
        log.info("kernel_rp_filter_all_restored to=2");
      }
    } catch (IOException | NumberFormatException e) {
      log.warn("kernel_rp_filter_restore_failed error={}", e.toString());
    }
  }

  private static GretunException failure(String key, Exception e) {
    return new GretunException(
        "kernel_rp_filter",
        "cannot set /proc/sys/"
            + key
            + " ("
            + e.getMessage()
            + "): the kernel plane needs it for source enforcement; run with a writable"
            + " /proc/sys/net or use --dataplane userspace");
  }
}
