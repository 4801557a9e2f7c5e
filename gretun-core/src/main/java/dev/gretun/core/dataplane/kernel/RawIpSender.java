package dev.gretun.core.dataplane.kernel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.gretun.core.os.Libc;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.os.SysException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Sends a complete inner IPv4 packet (our overlay address → a peer's) into the routing table with a
 * {@code SOCK_RAW}/{@code IPPROTO_RAW} socket (header included): the peer's /32 route sends it
 * through the peer's GRE device. The daemon's data-path probe uses it.
 */
final class RawIpSender implements AutoCloseable {
  static final int IPPROTO_RAW = 255;
  private final int fd;

  private RawIpSender(int fd) {
    this.fd = fd;
  }

  static RawIpSender open() {
    return new RawIpSender(
        Libc.socket(Libc.AF_INET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, IPPROTO_RAW));
  }

  /** Sends {@code packet} to its destination address; false when the kernel refused. */
  boolean send(byte[] packet, int dstIp) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocateFrom(JAVA_BYTE, packet);
      MemorySegment addr = arena.allocate(SockAddrIn.SIZE, 8);
      SockAddrIn.write(addr, 0, dstIp, 0);
      Libc.sendto(fd, buf, packet.length, 0, addr);
      return true;
    } catch (SysException e) {
      return false; // unreachable while the device is down, buffer full: a lost probe
    }
  }

  @Override
  public void close() {
    Libc.close(fd);
  }
}
