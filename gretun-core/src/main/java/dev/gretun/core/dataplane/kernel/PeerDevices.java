package dev.gretun.core.dataplane.kernel;

import dev.gretun.core.link.Ownership;
import dev.gretun.core.wire.netlink.Link;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * Names and ownership marks of the kernel data plane's per-peer GRE devices.
 *
 * <p>Name: {@code gt} + the pair's GRE key in 8 hex digits (10 characters, under IFNAMSIZ's 15):
 * the key is derived from both disco keys, so a peer's device keeps its name across restarts, and
 * two daemons in one namespace (different keys) never collide.
 *
 * <p>Mark: the {@link Ownership} alias convention of {@code gretun create} ({@code gretun
 * fou_port=P fou_owner=0}, so {@code gretun list} shows the device and {@code gretun delete} would
 * never remove the daemon's FOU port) plus {@code daemon=1}. A daemon on port P treats a link as a
 * leftover of its own only when the name has the pattern, the mark says {@code daemon=1} and the
 * port is P; links made by anyone else (or by {@code gretun create}) are never touched.
 */
public final class PeerDevices {
  private static final Pattern NAME = Pattern.compile("gt[0-9a-f]{8}");
  private static final String DAEMON_WORD = "daemon=1";

  private PeerDevices() {}

  public static String name(int greKey) {
    return String.format("gt%08x", greKey);
  }

  public static boolean looksLikeDeviceName(String name) {
    return NAME.matcher(name).matches();
  }

  public static String alias(int port) {
    return new Ownership(true, port, false).toAlias() + " " + DAEMON_WORD;
  }

  /** True when {@code link} is a peer device a daemon on {@code port} made (and may remove). */
  public static boolean isOurs(Link link, int port) {
    if (!looksLikeDeviceName(link.name()) || !"gre".equals(link.kind()) || link.alias() == null) {
      return false;
    }
    Ownership o = Ownership.parse(link.alias());
    return o.managed()
        && o.fouPort() == port
        && !o.fouOwner()
        && Arrays.asList(link.alias().trim().split("\\s+")).contains(DAEMON_WORD);
  }
}
