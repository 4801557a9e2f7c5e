package dev.gretun.core.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * A device's transmit checksum offload, switched with the ethtool ioctl ({@code SIOCETHTOOL} with
 * {@code ETHTOOL_GTXCSUM}/{@code ETHTOOL_STXCSUM} and a {@code struct ethtool_value},
 * linux/ethtool.h), as {@code ethtool -K DEV tx on|off} does. The kernel turns the whole
 * NETIF_F_CSUM_MASK on or off, limited to what the device allows (EOPNOTSUPP when it allows none).
 * The ioctl acts on the network namespace of the socket, which is opened by {@link #open}.
 */
public final class Ethtool implements AutoCloseable {
  static final long SIOCETHTOOL = 0x8946;
  static final int ETHTOOL_GTXCSUM = 0x16;
  static final int ETHTOOL_STXCSUM = 0x17;

  /** {@code struct ifreq} on 64-bit Linux: a 16-byte name, then a union led by ifr_data. */
  private static final long IFREQ_SIZE = 40;

  private static final long IFR_DATA = TunDevice.IFNAMSIZ;

  private final int fd;

  private Ethtool(int fd) {
    this.fd = fd;
  }

  /** A socket for the ioctl in the calling thread's network namespace. */
  public static Ethtool open() throws ErrnoException {
    return new Ethtool(Sockets.open(Libc.AF_INET, Libc.SOCK_DGRAM, 0));
  }

  /** Whether {@code ifname} leaves transmit checksums to the "hardware" (offloads them). */
  public boolean txChecksum(String ifname) throws ErrnoException {
    return call(ifname, ETHTOOL_GTXCSUM, 0) != 0;
  }

  /** Turns transmit checksum offload on or off on {@code ifname} (needs CAP_NET_ADMIN). */
  public void setTxChecksum(String ifname, boolean on) throws ErrnoException {
    call(ifname, ETHTOOL_STXCSUM, on ? 1 : 0);
  }

  private int call(String ifname, int cmd, int data) throws ErrnoException {
    byte[] name = ifname.getBytes(StandardCharsets.US_ASCII);
    if (name.length == 0 || name.length >= TunDevice.IFNAMSIZ) {
      throw new IllegalArgumentException("interface name must be 1-15 characters: " + ifname);
    }
    try (Arena call = Arena.ofConfined()) {
      MemorySegment value = call.allocate(8, 4); // struct ethtool_value { u32 cmd; u32 data; }
      value.set(JAVA_INT, 0, cmd);
      value.set(JAVA_INT, 4, data);
      MemorySegment ifreq = call.allocate(IFREQ_SIZE, 8);
      MemorySegment.copy(name, 0, ifreq, JAVA_BYTE, 0, name.length);
      ifreq.set(ADDRESS, IFR_DATA, value);
      String what =
          "ioctl("
              + ifname
              + (cmd == ETHTOOL_STXCSUM ? ", ETHTOOL_STXCSUM)" : ", ETHTOOL_GTXCSUM)");
      Libc.check(what, Libc.ioctl(fd, SIOCETHTOOL, ifreq));
      return value.get(JAVA_INT, 4);
    }
  }

  @Override
  public void close() {
    Sockets.close(fd);
  }
}
