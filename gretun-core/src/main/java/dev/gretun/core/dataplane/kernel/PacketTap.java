package dev.gretun.core.dataplane.kernel;

import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.dataplane.DiscoStunPacket;
import dev.gretun.core.dataplane.PacketErrors;
import dev.gretun.core.os.Errno;
import dev.gretun.core.os.ErrnoException;
import dev.gretun.core.os.PacketSocket;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.bpf.DiscoStunFilter;
import dev.gretun.core.wire.ip.CapturedDatagram;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives disco and STUN datagrams addressed to port P while the kernel's FOU socket owns P: an
 * {@code AF_PACKET}/{@code SOCK_DGRAM} socket with the {@link DiscoStunFilter}
 * (docs/NAT-TRAVERSAL.md §2).
 *
 * <p>{@link PacketSocket#open} sets the socket up in the order that never queues an unfiltered
 * packet. {@code PACKET_IGNORE_OUTGOING} keeps the host's own transmissions off the tap (they cost
 * tunnel throughput); the filter and a {@code sll_pkttype} check keep only {@code PACKET_HOST}
 * anyway. The aux data tells when the UDP checksum is not filled in yet. The tap sees datagrams
 * before the host firewall, so the daemon authenticates what it gets (sealed disco, STUN tx ids).
 */
public final class PacketTap implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PacketTap.class);

  private static final long ERROR_PAUSE_NANOS = 10_000_000L;

  private final PacketSocket socket;
  private final int port;
  private volatile boolean closed;

  private PacketTap(PacketSocket socket, int port) {
    this.socket = socket;
    this.port = port;
  }

  /**
   * Opens the tap in this thread's network namespace. Throws {@link ErrnoException} (EPERM without
   * CAP_NET_RAW, EAFNOSUPPORT without AF_PACKET) when the platform forbids it.
   */
  public static PacketTap open(int port, int receiveTimeoutMillis) throws ErrnoException {
    PacketSocket socket =
        PacketSocket.open(DiscoStunFilter.program(port), Duration.ofMillis(receiveTimeoutMillis));
    if (socket.ignoreOutgoingErrno() != 0) {
      log.info("packet_tap_ignore_outgoing_unsupported errno={}", socket.ignoreOutgoingErrno());
    }
    return new PacketTap(socket, port);
  }

  /**
   * Receives until {@link #stop()}: every disco/STUN datagram to P goes to {@code sink} (a false
   * answer counts as busy); anything malformed is counted and dropped; a receive that fails with an
   * unexpected errno is counted and logged ({@link PacketErrors}) and the loop goes on. Throws only
   * when the socket is unusable ({@link PacketErrors#fatal}). Runs on the calling thread.
   */
  public void run(Predicate<DiscoStunPacket> sink, DataplaneCounters counters)
      throws ErrnoException {
    ByteBuffer view = socket.data().asByteBuffer().order(ByteOrder.BIG_ENDIAN);
    PacketErrors errors = new PacketErrors("dp-tap", System::nanoTime);
    while (!closed) {
      long n = socket.receive();
      if (n < 0) {
        int errno = (int) -n;
        if (closed) {
          break;
        }
        if (Errno.EAGAIN.is(errno) || Errno.EINTR.is(errno)) {
          continue; // receive timeout: look at the closed flag again
        }
        if (PacketErrors.fatal(errno)) {
          throw new ErrnoException("recvmsg", errno);
        }
        counters.dropReceiveError.increment();
        errors.record("recvmsg", errno);
        LockSupport.parkNanos(ERROR_PAUSE_NANOS); // a persistent error must not spin a core
        continue;
      }
      if (socket.truncated() || socket.packetType() != PacketSocket.PACKET_HOST) {
        counters.dropMalformed.increment();
        continue;
      }
      boolean csumNotReady = (socket.auxStatus() & PacketSocket.TP_STATUS_CSUMNOTREADY) != 0;
      handle(view, (int) n, csumNotReady, sink, counters);
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
      counters.dropDiscoStunBusy.increment();
    }
  }

  /** Makes {@link #run} return within the receive timeout; the socket is released by then. */
  public void stop() {
    closed = true;
  }

  /** Releases the socket; call after the thread in {@link #run} has returned. */
  @Override
  public void close() {
    closed = true;
    socket.close();
  }
}
