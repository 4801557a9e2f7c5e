package dev.gretun.core.daemon;

import dev.gretun.core.GretunException;
import dev.gretun.core.dataplane.Dataplane;
import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.dataplane.kernel.KernelDataplane;
import dev.gretun.core.dataplane.kernel.KernelSupport;
import dev.gretun.core.dataplane.userspace.UdpPort;
import dev.gretun.core.dataplane.userspace.UserspaceDataplane;
import dev.gretun.core.link.KernelErrors;
import dev.gretun.core.link.NetlinkLinkControl;
import dev.gretun.core.os.Errno;
import dev.gretun.core.os.ErrnoException;
import dev.gretun.core.os.TunDevice;
import java.io.IOException;
import java.net.Inet4Address;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the data plane {@code --dataplane} asks for: {@code auto} probes the kernel ({@link
 * KernelSupport}); the kernel plane needs packet and raw sockets; the userspace plane binds port P
 * and sets up the TUN device (MTU, no IPv6 address generation, our overlay address, up).
 */
final class DataplaneFactory {
  private static final Logger log = LoggerFactory.getLogger(DataplaneFactory.class);
  static final int TUN_MTU = 1464;

  private DataplaneFactory() {}

  /**
   * What can be opened before the registration answers: the plane {@code --dataplane} resolves to
   * and, for the userspace plane, port P and the TUN device (they need no overlay address). The
   * daemon starts this beside its registration (docs/DAEMON.md "Start-up"), since both take a while
   * on a cold JVM: the first FFM calls link their downcalls, the registration waits on the network.
   */
  record Early(DataplaneMode mode, UdpPort port, TunDevice tun) implements AutoCloseable {
    /** Releases the port and TUN device when the start fails before the plane owns them. */
    @Override
    public void close() {
      try {
        if (tun != null) {
          tun.close();
        }
      } catch (IOException e) {
        log.warn("tun_close_failed error={}", e.getMessage());
      } finally {
        if (port != null) {
          port.close();
        }
      }
    }
  }

  static Early openEarly(DaemonConfig config) throws IOException {
    DataplaneMode mode = config.dataplane();
    if (mode == DataplaneMode.AUTO) {
      String why = KernelSupport.unavailableReason();
      mode = why == null ? DataplaneMode.KERNEL : DataplaneMode.USERSPACE;
      log.info(
          "dataplane_auto mode={} reason={}",
          mode.name().toLowerCase(Locale.ROOT),
          why == null ? "the kernel has fou and ip_gre" : why);
    }
    if (mode == DataplaneMode.KERNEL) {
      return new Early(mode, null, null);
    }
    UdpPort port = bindPort(config.port());
    try {
      return new Early(mode, port, TunDevice.openWithOffloads(config.tunName()));
    } catch (IOException | RuntimeException e) {
      port.close();
      throw e;
    }
  }

  /** Finishes the plane {@code early} began, with the overlay address the registration gave. */
  static Dataplane open(
      DaemonConfig config,
      Early early,
      Inet4Address tunnelIp,
      int prefixLength,
      DataplaneCounters counters) {
    return early.mode() == DataplaneMode.KERNEL
        ? kernel(config, tunnelIp, prefixLength, counters)
        : userspace(early, tunnelIp, prefixLength, counters);
  }

  private static Dataplane kernel(
      DaemonConfig config, Inet4Address tunnelIp, int prefixLength, DataplaneCounters counters) {
    try {
      KernelDataplane kernel =
          KernelDataplane.open(
              new KernelDataplane.Config(config.port(), tunnelIp, prefixLength, config.stateDir()),
              counters);
      log.info(
          "dataplane mode=kernel fou_port={} mtu={} disco_stun=raw+packet-socket",
          config.port(),
          KernelDataplane.MTU);
      return kernel;
    } catch (ErrnoException e) {
      throw new GretunException(
          "kernel_dataplane",
          "--dataplane kernel needs packet and raw sockets ("
              + e.getMessage()
              + "): run as root with CAP_NET_RAW, or use --dataplane userspace");
    } catch (RuntimeException e) {
      throw KernelErrors.translate(e, "start the kernel data plane");
    }
  }

  private static Dataplane userspace(
      Early early, Inet4Address tunnelIp, int prefixLength, DataplaneCounters counters) {
    configureTun(early.tun().name(), tunnelIp, prefixLength);
    log.info("dataplane mode=userspace tun={} mtu={}", early.tun().name(), TUN_MTU);
    return new UserspaceDataplane(early.tun(), early.port(), counters);
  }

  private static UdpPort bindPort(int port) throws ErrnoException {
    try {
      // No receive timeout: close() wakes the receiving thread (shutdown(2) wakes a blocked
      // recvmmsg even on an unconnected UDP socket), and an idle daemon wakes it for nothing else
      // (docs/BENCH.md "Ten minutes after start, and two timers fewer").
      return UdpPort.bind(port, 0);
    } catch (ErrnoException e) {
      if (e.is(Errno.EADDRINUSE)) {
        throw new GretunException(
            "address_in_use",
            "UDP port "
                + port
                + " is in use (another gretun up, or a FOU port?): stop it or pass --port");
      }
      throw e;
    }
  }

  private static void configureTun(String name, Inet4Address tunnelIp, int prefixLength) {
    try (NetlinkLinkControl rtnl = NetlinkLinkControl.open()) {
      int index =
          rtnl.link(name)
              .orElseThrow(() -> new GretunException("tun", "TUN device " + name + " vanished"))
              .index();
      rtnl.setMtu(index, TUN_MTU);
      rtnl.setAddrGenModeNone(index);
      rtnl.addAddress(index, tunnelIp, prefixLength, null);
      rtnl.setUp(index, true);
    }
  }
}
