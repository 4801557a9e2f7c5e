package dev.gretun.core.dataplane.userspace;

import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.dataplane.PacketErrors;
import dev.gretun.core.os.Errno;
import dev.gretun.core.os.ErrnoException;
import dev.gretun.core.os.TunDevice;
import dev.gretun.core.wire.gre.GreHeader;
import dev.gretun.core.wire.ip.VnetHeader;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntFunction;

/**
 * The TUN → UDP direction of the userspace data plane, for one thread. Each wake-up reads up to
 * {@link #SLOTS} packets (the first blocking, the rest only while the kernel has more queued),
 * wraps each in the peer's keyed GRE header and sends them all with one {@code sendmmsg}.
 *
 * <p>With a vnet-header TUN device ({@link TunDevice#openWithOffloads}) a read may be a TCP
 * super-packet of up to 64 KiB: it is cut into MTU-sized segments ({@link TsoSegmenter}) that leave
 * as one UDP GSO train, so a 64 KiB burst costs one read and one send instead of about 45 of each.
 * A packet with a partial checksum gets it completed. Nothing here allocates per packet.
 */
final class TunReader {
  static final int SLOTS = 16;
  private static final int MAX_PACKET = 65535;
  // Slot: [vnet header or spare 10 bytes][packet up to 64 KiB]; the GRE header overwrites the
  // 8 bytes before the packet once the vnet header has been read.
  private static final int PKT_OFF = VnetHeader.LEN;
  private static final int SLOT = PKT_OFF + MAX_PACKET + 1;
  // Segmented output of one super-packet: its payload plus GRE+IP+TCP headers per segment (at
  // least 68 payload bytes each under any sane MSS) stays well under twice the input.
  private static final int OUT_SLOT = 2 * 65536;

  /** Largest GRE+inner datagram a UDP GSO train may use: 1500-byte underlay MTU minus IP/UDP. */
  private static final int GSO_MAX_STRIDE = 1500 - 28;

  private final TunDevice tun;
  private final UdpPort.Batch batch;
  private final IntFunction<PeerPath> peers;
  private final DataplaneCounters counters;
  private final PacketErrors errors;
  private final boolean vnet;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment in;
  private final MemorySegment out;
  private final TsoSegmenter segmenter = new TsoSegmenter();
  private final PeerPath[] entryPath;
  private final int[] entryPackets;
  private final int[] entryBytes;

  TunReader(
      TunDevice tun,
      UdpPort.Batch batch,
      IntFunction<PeerPath> peers,
      DataplaneCounters counters,
      PacketErrors errors) {
    this.tun = tun;
    this.batch = batch;
    this.peers = peers;
    this.counters = counters;
    this.errors = errors;
    this.vnet = tun.vnetHeader();
    this.in = arena.allocate((long) SLOTS * SLOT, 64);
    this.out = vnet ? arena.allocate((long) SLOTS * OUT_SLOT, 64) : MemorySegment.NULL;
    int capacity = batch.capacity();
    this.entryPath = new PeerPath[capacity];
    this.entryPackets = new int[capacity];
    this.entryBytes = new int[capacity];
  }

  /**
   * Blocks for one packet, takes whatever else is queued (up to {@link #SLOTS}), sends all. Throws
   * when the first read fails (nothing is queued then) or the socket is unusable; a later read's
   * failure ends the burst early, and what was read still goes out.
   */
  void readBurst() throws IOException {
    int max = vnet ? VnetHeader.LEN + MAX_PACKET : MAX_PACKET;
    handle(0, tun.read(in, readAt(0), max));
    for (int slot = 1; slot < SLOTS; slot++) {
      int n;
      try {
        n = tun.tryRead(in, readAt(slot), max);
      } catch (ErrnoException e) {
        if (PacketErrors.fatal(e.errno())) {
          throw e;
        }
        readFailed(e.errno());
        break;
      }
      if (n < 0) {
        break;
      }
      handle(slot, n);
    }
    flush();
  }

  /** Counts and logs a TUN read that failed with a non-fatal errno (EINTR is not a failure). */
  void readFailed(int errno) {
    if (!Errno.EINTR.is(errno) && !Errno.EAGAIN.is(errno)) {
      counters.dropReceiveError.increment();
      errors.record("read(tun)", errno);
    }
  }

  private long readAt(int slot) {
    return (long) slot * SLOT + (vnet ? 0 : PKT_OFF);
  }

  private void handle(int slot, int n) throws IOException {
    long base = (long) slot * SLOT;
    long pkt = base + PKT_OFF;
    int len = vnet ? n - VnetHeader.LEN : n;
    if (len < 20 || (in.get(ValueLayout.JAVA_BYTE, pkt) & 0xF0) != 0x40) {
      counters.dropMalformed.increment(); // IPv6 and runts: the overlay is IPv4
      return;
    }
    PeerPath path = peers.apply(GreHeader.beInt(in, pkt + 16));
    if (path == null || !path.sending) {
      counters.dropNoPath.increment();
      return;
    }
    if (vnet) {
      int gsoType = VnetHeader.gsoType(in, base);
      if (gsoType == VnetHeader.GSO_TCPV4) {
        sendSegmented(slot, pkt, len, VnetHeader.gsoSize(in, base), path);
        return;
      }
      if (gsoType != VnetHeader.GSO_NONE
          || ((VnetHeader.flags(in, base) & VnetHeader.F_NEEDS_CSUM) != 0
              && !VnetHeader.completeChecksum(
                  in, pkt, len, VnetHeader.csumStart(in, base), VnetHeader.csumOffset(in, base)))) {
        counters.dropMalformed.increment();
        return;
      }
    }
    GreHeader.write(in, pkt - GreHeader.HEADER, path.greKey);
    queue(in, pkt - GreHeader.HEADER, len + GreHeader.HEADER, 0, path, 1, len);
  }

  private void sendSegmented(int slot, long pkt, int len, int mss, PeerPath path)
      throws IOException {
    long outBase = (long) slot * OUT_SLOT;
    int k = segmenter.segment(in, pkt, len, mss, out, outBase, GreHeader.HEADER);
    if (k < 0) {
      counters.dropMalformed.increment();
      return;
    }
    int stride = segmenter.stride();
    int total = segmenter.bytes();
    for (int i = 0; i < k; i++) {
      GreHeader.write(out, outBase + (long) i * stride, path.greKey);
    }
    boolean gso = batch.gsoSupported() && stride <= GSO_MAX_STRIDE;
    int perTrain =
        gso ? Math.min(UdpPort.GSO_MAX_SEGMENTS, Math.max(1, UdpPort.GSO_MAX_BYTES / stride)) : 1;
    for (int first = 0; first < k; first += perTrain) {
      int segs = Math.min(perTrain, k - first);
      long start = outBase + (long) first * stride;
      int bytes = (int) Math.min((long) segs * stride, total - (long) first * stride);
      queue(out, start, bytes, segs > 1 ? stride : 0, path, segs, bytes - segs * GreHeader.HEADER);
    }
  }

  private void queue(
      MemorySegment buf, long off, int len, int segSize, PeerPath path, int packets, int bytes)
      throws IOException {
    ExtraSockets.ExtraSocket via = path.socket;
    if (via != null && path.direct) {
      sendFromExtra(via, buf, off, len, segSize, path, packets, bytes);
      return;
    }
    if (batch.isFull()) {
      flush();
    }
    long to = path.target;
    int e = batch.add(buf, off, len, PeerPath.ip(to), PeerPath.port(to), segSize);
    entryPath[e] = path;
    entryPackets[e] = packets;
    entryBytes[e] = bytes;
  }

  /**
   * The peer's data socket is a birthday punch's extra socket (docs/DAEMON.md, "Birthday punch"):
   * send there, one datagram per segment (no GSO on it), and book it like a batch entry.
   */
  private void sendFromExtra(
      ExtraSockets.ExtraSocket via,
      MemorySegment buf,
      long off,
      int len,
      int segSize,
      PeerPath path,
      int packets,
      int bytes)
      throws IOException {
    UdpPort.Sender sender = via.tunSender;
    long to = path.target;
    int stride = segSize > 0 ? segSize : len;
    boolean ok = sender != null;
    try {
      for (int pos = 0; ok && pos < len; pos += stride) {
        ok =
            sender.send(
                buf, off + pos, Math.min(stride, len - pos), PeerPath.ip(to), PeerPath.port(to));
      }
    } catch (ErrnoException e) {
      counters.dropSendError.add(packets);
      errors.record("sendmsg", e.errno());
      return;
    }
    if (!ok) {
      counters.dropSendFailed.add(packets);
      return;
    }
    path.txPackets.add(packets);
    path.txBytes.add(bytes);
    counters.txPackets.add(packets);
    counters.txBytes.add(bytes);
  }

  /** Sends the batch and books each entry as sent or dropped. */
  private void flush() throws IOException {
    int n = batch.size();
    if (n == 0) {
      return;
    }
    batch.flush();
    long packets = 0;
    long bytes = 0;
    long dropped = 0;
    for (int e = 0; e < n; e++) {
      PeerPath path = entryPath[e];
      entryPath[e] = null;
      int errno = batch.errno(e);
      if (errno == 0) {
        path.txPackets.add(entryPackets[e]);
        path.txBytes.add(entryBytes[e]);
        packets += entryPackets[e];
        bytes += entryBytes[e];
      } else if (Errno.dropsDatagramOnly(errno)) {
        dropped += entryPackets[e];
      } else {
        counters.dropSendError.add(entryPackets[e]);
        errors.record("sendmmsg", errno);
      }
    }
    counters.txPackets.add(packets);
    counters.txBytes.add(bytes);
    counters.dropSendFailed.add(dropped);
  }

  void close() {
    batch.close();
    arena.close();
  }
}
