package dev.gretun.core.dataplane.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.dataplane.DiscoStunPacket;
import dev.gretun.core.os.Errno;
import dev.gretun.core.os.Libc;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.os.SysException;
import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.bpf.DiscoStunFilter;
import dev.gretun.core.wire.ip.CapturedDatagram;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives disco and STUN datagrams addressed to port P while the kernel's FOU socket owns P: an
 * {@code AF_PACKET}/{@code SOCK_DGRAM} socket with the {@link DiscoStunFilter} (DESIGN.md §2).
 *
 * <p>Order matters: the socket is created with protocol 0 (it receives nothing), the filter is
 * attached, and only then is it bound to {@code ETH_P_IP}, so no unfiltered packet is ever queued.
 * {@code PACKET_IGNORE_OUTGOING} keeps the host's own transmissions off the tap (they cost tunnel
 * throughput); the filter and a {@code sll_pkttype} check keep only {@code PACKET_HOST} anyway.
 * {@code PACKET_AUXDATA} tells when the UDP checksum is not filled in yet. The tap sees datagrams
 * before the host firewall, so the daemon authenticates what it gets (sealed disco, STUN tx ids).
 */
public final class PacketTap implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PacketTap.class);
  static final int SOL_PACKET = 263;
  static final int PACKET_AUXDATA = 8;
  static final int PACKET_IGNORE_OUTGOING = 23;
  static final int TP_STATUS_CSUMNOTREADY = 1 << 3;
  static final int ETH_P_IP = 0x0800;
  static final int PACKET_HOST = 0;
  private static final int SOCKADDR_LL = 20;
  private static final int MSGHDR = 56;
  private static final int SNAP = 65536;
  private static final int CONTROL = 128;

  private final int fd;
  private final int port;
  private volatile boolean closed;

  private PacketTap(int fd, int port) {
    this.fd = fd;
    this.port = port;
  }

  /**
   * Opens the tap in this thread's network namespace. Throws {@link SysException} (EPERM without
   * CAP_NET_RAW, EAFNOSUPPORT without AF_PACKET) when the platform forbids it.
   */
  public static PacketTap open(int port, int receiveTimeoutMillis) {
    int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
    try (Arena arena = Arena.ofConfined()) {
      SocketFilters.attach(fd, DiscoStunFilter.program(port));
      try {
        Libc.setsockoptInt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
      } catch (SysException e) {
        log.info("packet_tap_ignore_outgoing_unsupported errno={}", e.errno()); // kernel < 4.20
      }
      Libc.setsockoptInt(fd, SOL_PACKET, PACKET_AUXDATA, 1);
      Libc.setsockoptInt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, 1 << 20);
      MemorySegment tv = arena.allocate(16);
      tv.set(JAVA_LONG, 0, receiveTimeoutMillis / 1000);
      tv.set(JAVA_LONG, 8, (receiveTimeoutMillis % 1000) * 1000L);
      Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv);
      MemorySegment ll = arena.allocate(SOCKADDR_LL, 8);
      ll.set(JAVA_SHORT, 0, (short) Libc.AF_PACKET);
      ll.set(JAVA_SHORT, 2, Short.reverseBytes((short) ETH_P_IP)); // htons
      ll.set(JAVA_INT, 4, 0); // every interface
      Libc.bind(fd, ll);
      return new PacketTap(fd, port);
    } catch (RuntimeException e) {
      Libc.close(fd);
      throw e;
    }
  }

  /**
   * Receives until {@link #close()}: every disco/STUN datagram to P goes to {@code sink} (a false
   * answer counts as busy); anything malformed is counted and dropped. Runs on the calling thread.
   */
  public void run(Predicate<DiscoStunPacket> sink, DataplaneCounters counters) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment data = arena.allocate(SNAP, 64);
      MemorySegment name = arena.allocate(32, 8);
      MemorySegment iov = arena.allocate(16, 8);
      MemorySegment control = arena.allocate(CONTROL, 8);
      MemorySegment msg = arena.allocate(MSGHDR, 8);
      ByteBuffer view = data.asByteBuffer().order(ByteOrder.BIG_ENDIAN);
      iov.set(ADDRESS, 0, data);
      iov.set(JAVA_LONG, 8, SNAP);
      while (!closed) {
        msg.fill((byte) 0);
        msg.set(ADDRESS, 0, name);
        msg.set(JAVA_INT, 8, 32);
        msg.set(ADDRESS, 16, iov);
        msg.set(JAVA_LONG, 24, 1L);
        msg.set(ADDRESS, 32, control);
        msg.set(JAVA_LONG, 40, CONTROL);
        long n;
        try {
          n = Libc.recvmsg(fd, msg, 0);
        } catch (SysException e) {
          if (closed) {
            break;
          }
          if (e.errno() == Errno.EAGAIN.value()) {
            continue; // receive timeout: look at the closed flag again
          }
          throw e;
        }
        int flags = msg.get(JAVA_INT, 48);
        int pktType = name.get(JAVA_BYTE, 10) & 0xff;
        if ((flags & Libc.MSG_TRUNC) != 0 || pktType != PACKET_HOST) {
          counters.dropMalformed.increment();
          continue;
        }
        boolean csumNotReady =
            (auxStatus(control, msg.get(JAVA_LONG, 40)) & TP_STATUS_CSUMNOTREADY) != 0;
        handle(view, (int) n, csumNotReady, sink, counters);
      }
    }
  }

  private void handle(
      ByteBuffer view,
      int n,
      boolean csumNotReady,
      Predicate<DiscoStunPacket> sink,
      DataplaneCounters counters) {
    CapturedDatagram d;
    try {
      d = CapturedDatagram.parse(view, n, !csumNotReady);
    } catch (WireFormatException e) {
      counters.dropMalformed.increment();
      return;
    }
    if (d.dstPort() != port) {
      counters.dropMalformed.increment();
      return;
    }
    byte[] payload = new byte[d.payloadLength()];
    view.get(d.payloadOffset(), payload);
    InetSocketAddress from = new InetSocketAddress(SockAddrIn.toInet(d.srcIp()), d.srcPort());
    if (!sink.test(new DiscoStunPacket(payload, from))) {
      counters.dropControlBusy.increment();
    }
  }

  /** tp_status of the PACKET_AUXDATA control message, or 0 when there is none. */
  static int auxStatus(MemorySegment control, long controlLen) {
    long off = 0;
    while (off + 16 <= controlLen) {
      long len = control.get(JAVA_LONG, off); // struct cmsghdr: len(8) level(4) type(4) data
      int level = control.get(JAVA_INT, off + 8);
      int type = control.get(JAVA_INT, off + 12);
      if (len < 16) {
        return 0;
      }
      if (level == SOL_PACKET && type == PACKET_AUXDATA && len >= 16 + 4) {
        return control.get(JAVA_INT, off + 16);
      }
      off += (len + 7) & ~7L;
    }
    return 0;
  }

  /** Makes {@link #run} return within the receive timeout; the socket is released by then. */
  public void stop() {
    closed = true;
  }

  /** Releases the socket; call after the thread in {@link #run} has returned. */
  @Override
  public void close() {
    closed = true;
    Libc.close(fd);
  }
}
