package dev.gretun.core.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Linux capabilities of this process, read from the effective set ({@code CapEff}) in {@code
 * /proc/self/status}, so both root and {@code setcap cap_net_admin+ep} binaries pass.
 */
public final class Capabilities {
  /** {@code CAP_NET_ADMIN} from {@code linux/capability.h}. */
  public static final int CAP_NET_ADMIN = 12;

  /** {@code CAP_NET_RAW} from {@code linux/capability.h}. */
  public static final int CAP_NET_RAW = 13;

  private Capabilities() {}

  /** True when the effective set of this process holds {@code cap}. */
  public static boolean hasEffective(int cap) {
    try {
      return hasEffective(Files.readString(Path.of("/proc/self/status")), cap);
    } catch (IOException e) {
      return false;
    }
  }

  public static boolean hasNetAdmin() {
    return hasEffective(CAP_NET_ADMIN);
  }

  /** Parses the {@code CapEff:} line (64-bit hex mask) of a {@code /proc/PID/status} text. */
  public static boolean hasEffective(String procStatus, int cap) {
    for (String line : procStatus.split("\n")) {
      if (line.startsWith("CapEff:")) {
        long mask = Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
        return (mask & (1L << cap)) != 0;
      }
    }
    return false;
  }
}
