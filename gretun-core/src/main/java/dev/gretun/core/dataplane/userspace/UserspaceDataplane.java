package dev.gretun.core.dataplane.userspace;

import dev.gretun.core.dataplane.Dataplane;
import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.dataplane.DiscoStunPacket;
import dev.gretun.core.dataplane.GreKeyClaims;
import dev.gretun.core.dataplane.PacketErrors;
import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.dataplane.PeerTraffic;
import dev.gretun.core.os.Errno;
import dev.gretun.core.os.ErrnoException;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.os.TunClosedException;
import dev.gretun.core.os.TunDevice;
import dev.gretun.core.wire.demux.PortDemux;
import dev.gretun.core.wire.gre.GreHeader;
import dev.gretun.core.wire.ip.VnetHeader;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The userspace data plane (docs/NAT-TRAVERSAL.md §2): one TUN device and the daemon's UDP port P.
 *
 * <ul>
 *   <li>TUN → peer: read an inner IPv4 packet behind 8 bytes of headroom, find the peer by
 *       destination, write the keyed GRE header in front, send it from P to the peer's endpoint.
 *   <li>P → TUN: receive batches with {@code recvmmsg}; keyed GRE whose key belongs to a peer,
 *       whose source is that peer's endpoint and whose inner IPv4 source is that peer's tunnel
 *       address (source enforcement: one TUN carries the whole prefix, so the kernel's rp_filter
 *       cannot tell members apart) is written to the TUN device; disco and STUN datagrams are
 *       copied out to the daemon; anything else is counted and dropped.
 * </ul>
 *
 * <p>A packet thread that meets an unexpected errno drops what it had, counts it and carries on
 * ({@link PacketErrors}); one whose descriptor is gone stops and reports to {@link #onFailure}.
 *
 * <p>Peer lookups are immutable int-keyed tables replaced by the event loop, so the packet threads
 * never lock. Neither packet loop allocates per packet.
 */
public final class UserspaceDataplane implements Dataplane {
  private static final Logger log = LoggerFactory.getLogger(UserspaceDataplane.class);
  private static final int MAX_PACKET = 65535;
  private static final int RX_BATCH = 64;
  private static final int TX_ENTRIES = 256;
  private static final long ERROR_PAUSE_NANOS = 10_000_000L;
  private static final ValueLayout.OfShort BE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

  private final TunDevice tun;
  private final UdpPort port;
  private final DataplaneCounters counters;
  private final Thread tunThread;
  private final Thread udpThread;
  private final UdpPort.Sender discoStunSender;
  private final GreKeyClaims keyClaims;
  private final PacketErrors eventLoopErrors = new PacketErrors("event-loop", System::nanoTime);
  private final PacketErrors extraErrors = new PacketErrors("dp-extra", System::nanoTime);
  private final AtomicBoolean failed = new AtomicBoolean();
  private volatile Consumer<String> failureHandler = reason -> {};
  private Predicate<DiscoStunPacket> discoStunSink = p -> false;
  private Map<String, PeerPath> paths = Map.of();
  private volatile IntKeyedPaths byTunnelIp = IntKeyedPaths.EMPTY;
  private volatile IntKeyedPaths byKey = IntKeyedPaths.EMPTY;
  private volatile boolean running = true;
  private ExtraSockets extras; // made at start(); birthday punch sockets

  public UserspaceDataplane(TunDevice tun, UdpPort port, DataplaneCounters counters) {
    this.tun = tun;
    this.port = port;
    this.counters = counters;
    this.tunThread = Thread.ofPlatform().name("dp-tun").daemon().unstarted(this::tunLoop);
    this.udpThread = Thread.ofPlatform().name("dp-udp").daemon().unstarted(this::udpLoop);
    this.discoStunSender = port.sender();
    this.keyClaims = new GreKeyClaims(counters.greKeyCollisions);
  }

  @Override
  public void onFailure(Consumer<String> failed) {
    failureHandler = failed;
  }

  /** A packet thread cannot go on: log it and tell the daemon (once). */
  private void fail(String thread, Exception e) {
    if (running && failed.compareAndSet(false, true)) {
      String why = e instanceof ErrnoException ? e.getMessage() : e.toString();
      log.error("dataplane_failed thread={} error={}", thread, why);
      failureHandler.accept(thread + ": " + why);
    }
  }

  @Override
  public void start(Predicate<DiscoStunPacket> sink) {
    discoStunSink = sink;
    extras = new ExtraSockets(this::handleExtra);
    tunThread.start();
    udpThread.start();
  }

  @Override
  public boolean carriesRelay() {
    return true;
  }

  @Override
  public int port() {
    return port.port();
  }

  /** Event loop only (owns {@link #discoStunSender}). */
  @Override
  public boolean sendDiscoStun(byte[] data, int off, int len, InetSocketAddress to, int ttl)
      throws IOException {
    try {
      return discoStunSender.send(data, off, len, to, ttl);
    } catch (ErrnoException e) {
      return sendFailed(e);
    }
  }

  /** Event loop: a single send failed with an errno outside the per-datagram list. */
  private boolean sendFailed(ErrnoException e) throws ErrnoException {
    if (PacketErrors.fatal(e.errno())) {
      fail("event-loop", e);
      throw e;
    }
    counters.dropSendError.increment();
    eventLoopErrors.record(e.call(), e.errno());
    return false;
  }

  @Override
  public boolean supportsExtraSockets() {
    return true;
  }

  @Override
  public int[] openExtraSockets(String peer, int count) throws IOException {
    return extras.open(peer, count);
  }

  @Override
  public String extraSocketPeer(int socket) {
    ExtraSockets.ExtraSocket s = extras.get(socket);
    return s == null ? null : s.peer;
  }

  @Override
  public boolean sendDiscoFrom(
      int socket, byte[] data, int off, int len, InetSocketAddress to, int ttl) throws IOException {
    ExtraSockets.ExtraSocket s = extras.get(socket);
    if (s == null) {
      return false;
    }
    try {
      return s.loopSender.send(data, off, len, to, ttl);
    } catch (ErrnoException e) {
      counters.dropSendError.increment();
      eventLoopErrors.record(e.call(), e.errno());
      return false;
    }
  }

  @Override
  public boolean keepExtraSocket(String peer, int socket) {
    ExtraSockets.ExtraSocket s = extras.keepOnly(peer, socket);
    PeerPath path = paths.get(peer);
    if (s == null || path == null) {
      return false;
    }
    path.socket = s;
    return true;
  }

  @Override
  public void closeExtraSockets(String peer) {
    PeerPath path = paths.get(peer);
    if (path != null) {
      path.socket = null; // before the socket is shut down: the packet threads stop using it
    }
    extras.closePeer(peer);
  }

  /**
   * Updates endpoints and sending flags in place; the lookup tables are rebuilt (copy-on-write)
   * only when a peer came, went or changed its key or overlay address.
   */
  @Override
  public void apply(Collection<PeerRoute> all) {
    Collection<PeerRoute> routes = keyClaims.admit(all);
    Map<String, PeerPath> next = new HashMap<>();
    boolean rebuild = routes.size() != paths.size();
    for (PeerRoute r : routes) {
      int ip = SockAddrIn.ipv4(r.tunnelIp());
      PeerPath p = paths.get(r.peer());
      if (p == null || p.greKey != r.greKey() || p.tunnelIp != ip) {
        p = new PeerPath(r.peer(), r.greKey(), ip);
        rebuild = true;
      }
      p.set(r);
      next.put(r.peer(), p);
    }
    paths = next;
    if (rebuild) {
      byTunnelIp = IntKeyedPaths.of(next.values(), p -> p.tunnelIp);
      byKey = IntKeyedPaths.of(next.values(), p -> p.greKey);
    }
  }

  @Override
  public void probe(String peer, byte[] inner) throws IOException {
    PeerPath path = paths.get(peer);
    if (path == null || !path.direct) {
      return; // the probe proves the direct path; the relay proves nothing about it
    }
    byte[] pkt = new byte[GreHeader.HEADER + inner.length];
    GreHeader.encodeKeyed(pkt, 0, GreHeader.PROTO_IPV4, path.greKey);
    System.arraycopy(inner, 0, pkt, GreHeader.HEADER, inner.length);
    long ep = path.endpoint;
    InetSocketAddress to =
        new InetSocketAddress(SockAddrIn.toInet(PeerPath.ip(ep)), PeerPath.port(ep));
    ExtraSockets.ExtraSocket via = path.socket;
    try {
      if (via != null) {
        via.loopSender.send(pkt, 0, pkt.length, to, 0);
        return;
      }
      discoStunSender.send(pkt, 0, pkt.length, to, 0);
    } catch (ErrnoException e) {
      sendFailed(e);
    }
  }

  @Override
  public Map<String, PeerTraffic> readTraffic() {
    Map<String, PeerTraffic> out = new HashMap<>();
    for (PeerPath p : paths.values()) {
      out.put(p.peer, p.take());
    }
    return out;
  }

  private void tunLoop() {
    TunReader reader =
        new TunReader(
            tun,
            port.batch(TX_ENTRIES),
            this::pathFor,
            counters,
            new PacketErrors("dp-tun", System::nanoTime));
    try {
      while (running) {
        try {
          reader.readBurst();
        } catch (TunClosedException e) {
          throw e;
        } catch (ErrnoException e) {
          if (PacketErrors.fatal(e.errno())) {
            fail("dp-tun", e);
            return;
          }
          reader.readFailed(e.errno());
          LockSupport.parkNanos(ERROR_PAUSE_NANOS); // a persistent error must not spin a core
        }
      }
    } catch (TunClosedException e) {
      log.debug("dataplane_tun_closed");
    } catch (IOException | RuntimeException e) {
      fail("dp-tun", e);
    } finally {
      reader.close();
    }
  }

  private PeerPath pathFor(int tunnelIp) {
    return byTunnelIp.get(tunnelIp);
  }

  private void udpLoop() {
    // With GRO the kernel hands over whole GSO trains (up to 64 KiB); the headroom takes the TUN
    // vnet header in front of the first inner packet.
    boolean gro = port.enableGro();
    UdpPort.Receiver rx = port.receiver(RX_BATCH, gro ? MAX_PACKET : 9216, VnetHeader.LEN);
    PacketErrors errors = new PacketErrors("dp-udp", System::nanoTime);
    Arena arena = Arena.ofConfined();
    TcpCoalescer coalescer = tun.vnetHeader() ? new TcpCoalescer(arena) : null;
    try {
      while (running) {
        int n;
        try {
          n = rx.receive();
        } catch (ErrnoException e) {
          if (PacketErrors.fatal(e.errno())) {
            fail("dp-udp", e);
            return;
          }
          counters.dropReceiveError.increment();
          errors.record(e.call(), e.errno());
          LockSupport.parkNanos(ERROR_PAUSE_NANOS);
          continue;
        }
        if (n < 0) {
          break;
        }
        for (int i = 0; i < n; i++) {
          if (rx.truncated(i)) {
            counters.dropMalformed.increment();
            continue;
          }
          long off = rx.offset(i);
          int len = rx.length(i);
          int seg = rx.segmentSize(i);
          for (int pos = 0; pos < len; pos += seg) {
            handleDatagram(rx, i, off + pos, Math.min(seg, len - pos), errors, coalescer);
          }
        }
        if (coalescer != null && coalescer.pending()) {
          writeCoalesced(coalescer, errors);
        }
      }
    } catch (TunClosedException e) {
      log.debug("dataplane_tun_closed thread=dp-udp");
    } catch (ErrnoException e) {
      fail("dp-udp", e); // only fatal errnos get here
    } catch (IOException | RuntimeException e) {
      fail("dp-udp", e);
    } finally {
      rx.close();
      arena.close();
    }
  }

  private void handleDatagram(
      UdpPort.Receiver rx, int i, long off, int len, PacketErrors errors, TcpCoalescer coalescer)
      throws IOException {
    MemorySegment data = rx.data();
    if (GreHeader.isKeyedIpv4(data, off, len)) {
      handleGre(data, off, len, rx.sourceIp(i), rx.sourcePort(i), errors, null, coalescer);
      return;
    }
    byte[] copy = data.asSlice(off, len).toArray(ValueLayout.JAVA_BYTE);
    PortDemux.Kind kind = PortDemux.classify(copy, 0, len);
    if (kind != PortDemux.Kind.DISCO && kind != PortDemux.Kind.STUN) {
      counters.dropMalformed.increment();
      return;
    }
    InetSocketAddress from =
        new InetSocketAddress(SockAddrIn.toInet(rx.sourceIp(i)), rx.sourcePort(i));
    if (!discoStunSink.test(new DiscoStunPacket(copy, from))) {
      counters.dropDiscoStunBusy.increment();
    }
  }

  /**
   * Poller thread: a datagram on a birthday punch's extra socket. Keyed GRE counts only for the
   * peer whose data socket it is; disco goes to the daemon marked with the socket (the daemon
   * admits it only from that peer); anything else is dropped.
   */
  private void handleExtra(
      ExtraSockets.ExtraSocket s, UdpPort.Receiver rx, int i, long off, int len) {
    MemorySegment data = rx.data();
    try {
      if (GreHeader.isKeyedIpv4(data, off, len)) {
        handleGre(data, off, len, rx.sourceIp(i), rx.sourcePort(i), extraErrors, s, null);
        return;
      }
    } catch (IOException e) {
      counters.dropSendFailed.increment(); // the TUN write failed; the plane's own loop reports
      return;
    }
    byte[] copy = data.asSlice(off, len).toArray(ValueLayout.JAVA_BYTE);
    if (PortDemux.classify(copy, 0, len) != PortDemux.Kind.DISCO) {
      counters.dropMalformed.increment();
      return;
    }
    InetSocketAddress from =
        new InetSocketAddress(SockAddrIn.toInet(rx.sourceIp(i)), rx.sourcePort(i));
    if (!discoStunSink.test(new DiscoStunPacket(copy, from, s.localPort))) {
      counters.dropDiscoStunBusy.increment();
    }
  }

  /**
   * @param via the extra socket it arrived on, or null for port P: GRE on an extra socket is
   *     accepted only for the peer whose data socket that is
   * @param coalescer joins TCP segments for one write (see {@link TcpCoalescer}), or null: each
   *     inner packet is written at once
   */
  private void handleGre(
      MemorySegment data,
      long off,
      int len,
      int srcIp,
      int srcPort,
      PacketErrors errors,
      ExtraSockets.ExtraSocket via,
      TcpCoalescer coalescer)
      throws IOException {
    PeerPath path = byKey.get(GreHeader.key(data, off));
    if (path == null) {
      counters.dropUnknownKey.increment();
      return;
    }
    if (via != null && path.socket != via) {
      counters.dropWrongSource.increment();
      return;
    }
    long src = PeerPath.pack(srcIp, srcPort);
    boolean direct = src == path.endpoint;
    if (!direct && (src != path.relay || src == 0)) {
      // Kernel GRE demuxes on (local, remote, key) too; an unexpected source is not this peer.
      // The relay forwards a key only from the peer that both of us named for it (docs/SECURITY.md
      // "Data relay"), so the relay's address with this key is this peer too.
      counters.dropWrongSource.increment();
      return;
    }
    int innerLen = len - GreHeader.HEADER;
    long innerOff = off + GreHeader.HEADER;
    if (innerLen < 20
        || (data.get(ValueLayout.JAVA_BYTE, innerOff) & 0xF0) != 0x40
        || Short.toUnsignedInt(data.get(BE_SHORT, innerOff + 2)) > innerLen) {
      counters.dropMalformed.increment();
      return;
    }
    if (GreHeader.beInt(data, innerOff + 12) != path.tunnelIp) {
      // Cryptokey routing: the pair key and endpoint say which peer sent this; it may only speak
      // for its own tunnel address.
      counters.dropSpoofedSource.increment();
      return;
    }
    boolean held = false;
    if (coalescer != null) {
      held = coalescer.offer(data, innerOff, innerLen);
      if (!held && coalescer.pending()) {
        writeCoalesced(coalescer, errors); // what is held goes first: the order stays
        held = coalescer.offer(data, innerOff, innerLen);
      }
    }
    if (!held) {
      if (tun.vnetHeader()) {
        // The bytes before the inner packet are its GRE header (or the receive headroom, or the
        // tail of a GRO train's previous segment, already written): room for the vnet header.
        long hdr = innerOff - VnetHeader.LEN;
        VnetHeader.writePlain(data, hdr);
        if (!writeTun(data, hdr, VnetHeader.LEN + innerLen, errors)) {
          return;
        }
      } else if (!writeTun(data, innerOff, innerLen, errors)) {
        return;
      }
    }
    if (direct) {
      path.inboundSeen = true; // relayed data says nothing about the direct path
    } else if (path.direct && !path.relayedSeen) {
      path.relayedSeen = true; // but while we send direct, it says the peer stopped doing so
    }
    path.rxPackets.increment();
    path.rxBytes.add(innerLen);
    counters.rxPackets.increment();
    counters.rxBytes.add(innerLen);
  }

  /** Writes the coalescer's held packet to the TUN device. */
  private void writeCoalesced(TcpCoalescer coalescer, PacketErrors errors) throws IOException {
    int segments = coalescer.segments();
    if (writeTun(coalescer.buffer(), 0, coalescer.finish(), errors) && segments > 1) {
      counters.rxCoalescedSegments.add(segments);
    }
  }

  /** One write to the TUN device; false (counted) when the kernel refused it. */
  private boolean writeTun(MemorySegment data, long off, int len, PacketErrors errors)
      throws IOException {
    try {
      tun.write(data, off, len);
      return true;
    } catch (TunClosedException e) {
      throw e;
    } catch (ErrnoException e) {
      if (PacketErrors.fatal(e.errno())) {
        throw e;
      }
      if (Errno.dropsDatagramOnly(e.errno())) {
        counters.dropSendFailed.increment();
      } else {
        counters.dropSendError.increment();
        errors.record(e.call(), e.errno());
      }
      return false;
    } catch (IOException e) {
      counters.dropSendFailed.increment();
      return false;
    }
  }

  /** Stops both loops and closes the TUN device (which removes it, its address and routes). */
  @Override
  public void close() {
    running = false;
    port.wake();
    try {
      tun.close();
    } catch (IOException e) {
      log.warn("dataplane_tun_close_failed error={}", e.toString());
    }
    try {
      tunThread.join(2000);
      udpThread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (extras != null) {
      extras.close();
    }
    discoStunSender.close();
    port.close();
  }
}
