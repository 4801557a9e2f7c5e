package dev.gretun.core.dataplane.kernel;

import dev.gretun.core.link.Fou;
import dev.gretun.core.link.NetlinkLinkControl;
import dev.gretun.core.os.ErrnoException;
import dev.gretun.core.os.Libc;
import dev.gretun.core.os.RawSocket;
import dev.gretun.core.os.Sockets;
import dev.gretun.core.wire.netlink.GreKind;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Can this host run the kernel data plane? ({@code --dataplane auto}.) Asks the kernel itself: the
 * {@code fou} generic-netlink family must resolve, a keyed gre link must be creatable (a throwaway
 * one, down, toward a documentation address, deleted at once), and packet and raw sockets must
 * open.
 */
public final class KernelSupport {
  private KernelSupport() {}

  /** Null when the kernel data plane can run here, else why not (one line for the log). */
  public static String unavailableReason() {
    try (Fou fou = Fou.open()) {
      fou.familyId();
    } catch (RuntimeException e) {
      return "no fou generic-netlink family (modprobe fou): " + e.getMessage();
    }
    String probe = String.format("gtprobe%04x", ThreadLocalRandom.current().nextInt(0x10000));
    try (NetlinkLinkControl rtnl = NetlinkLinkControl.open()) {
      rtnl.addGreLink(
          new GreLinkSpec(
              probe,
              GreKind.GRE,
              v4("0.0.0.0"),
              v4("192.0.2.1"),
              (long) ThreadLocalRandom.current().nextInt() & 0xffffffffL,
              64,
              false,
              0,
              0,
              0,
              false));
      rtnl.link(probe).ifPresent(l -> rtnl.deleteLink(l.index()));
    } catch (RuntimeException e) {
      return "cannot create a gre link (modprobe ip_gre): " + e.getMessage();
    }
    for (int[] s :
        new int[][] {
          {Libc.AF_PACKET, Libc.SOCK_DGRAM, 0},
          {Libc.AF_INET, Libc.SOCK_RAW, RawSocket.IPPROTO_RAW}
        }) {
      try {
        Sockets.close(Sockets.open(s[0], s[1], s[2]));
      } catch (ErrnoException e) {
        return (s[0] == Libc.AF_PACKET ? "no packet socket: " : "no raw socket: ") + e.getMessage();
      }
    }
    return null;
  }

  private static Inet4Address v4(String s) {
    try {
      return (Inet4Address) InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
