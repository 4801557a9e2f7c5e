package dev.gretun.core.dataplane;

import dev.gretun.core.gre.GreHeader;
import dev.gretun.core.gre.PortDemux;
import dev.gretun.core.tun.TunClosedException;
import dev.gretun.core.tun.TunDevice;
import io.netty.util.collection.IntObjectHashMap;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The userspace data plane (DESIGN.md §2): one TUN device and the daemon's UDP port P.
 *
 * <ul>
 *   <li>TUN → peer: read an inner IPv4 packet behind 8 bytes of headroom, find the peer by
 *       destination, write the keyed GRE header in front, send it from P to the peer's endpoint.
 *   <li>P → TUN: receive batches with {@code recvmmsg}; keyed GRE whose key belongs to a peer and
 *       whose source is that peer's endpoint is written to the TUN device; disco and STUN datagrams
 *       are copied out to the daemon; anything else is counted and dropped.
 * </ul>
 *
 * <p>Peer tables are copy-on-write maps replaced by the control thread, so the packet threads never
 * lock. Neither packet loop allocates per packet.
 */
public final class UserspaceDataplane implements Dataplane {
  private static final Logger log = LoggerFactory.getLogger(UserspaceDataplane.class);
  private static final int MAX_PACKET = 65535;
  private static final int RX_BATCH = 64;

  private final TunDevice tun;
  private final UdpPort port;
  private final Predicate<ControlPacket> controlSink;
  private final DataplaneCounters counters;
  private final Thread tunThread;
  private final Thread udpThread;
  private volatile IntObjectHashMap<PeerPath> byTunnelIp = new IntObjectHashMap<>();
  private volatile IntObjectHashMap<PeerPath> byKey = new IntObjectHashMap<>();
  private volatile boolean running = true;
  private final UdpPort.Sender controlSender;

  /**
   * @param controlSink takes disco/STUN datagrams for the daemon; returns false when it is too busy
   *     (the datagram is then dropped and counted)
   */
  public UserspaceDataplane(
      TunDevice tun,
      UdpPort port,
      Predicate<ControlPacket> controlSink,
      DataplaneCounters counters) {
    this.tun = tun;
    this.port = port;
    this.controlSink = controlSink;
    this.counters = counters;
    this.tunThread = Thread.ofPlatform().name("dp-tun").daemon().unstarted(this::tunLoop);
    this.udpThread = Thread.ofPlatform().name("dp-udp").daemon().unstarted(this::udpLoop);
    this.controlSender = port.sender();
  }

  @Override
  public void start() {
    tunThread.start();
    udpThread.start();
  }

  @Override
  public int port() {
    return port.port();
  }

  /** Control thread only (owns {@link #controlSender}). */
  @Override
  public boolean sendControl(byte[] data, int off, int len, InetSocketAddress to, int ttl) {
    return controlSender.send(data, off, len, to, ttl);
  }

  @Override
  public void addPeer(PeerPath path) {
    put(path);
  }

  @Override
  public void removePeer(PeerPath path) {
    remove(path);
  }

  @Override
  public void configurePath(PeerPath path) {
    path.setSending(true);
  }

  @Override
  public void setSending(PeerPath path, boolean sending) {
    path.setSending(sending);
  }

  @Override
  public void probe(PeerPath path, byte[] inner) {
    if (!path.hasEndpoint()) {
      return;
    }
    byte[] pkt = new byte[GreWire.HEADER + inner.length];
    GreHeader.encodeKeyed(pkt, 0, GreHeader.PROTO_IPV4, path.greKey);
    System.arraycopy(inner, 0, pkt, GreWire.HEADER, inner.length);
    controlSender.send(
        pkt,
        0,
        pkt.length,
        new InetSocketAddress(SockAddrIn.toInet(path.endpointIp), path.endpointPort),
        0);
  }

  public DataplaneCounters counters() {
    return counters;
  }

  /** Adds or replaces a peer (control thread only). */
  synchronized void put(PeerPath path) {
    IntObjectHashMap<PeerPath> ip = new IntObjectHashMap<>(byTunnelIp.size() + 1);
    ip.putAll(byTunnelIp);
    ip.put(path.tunnelIp, path);
    IntObjectHashMap<PeerPath> key = new IntObjectHashMap<>(byKey.size() + 1);
    key.putAll(byKey);
    key.put(path.greKey, path);
    byTunnelIp = ip;
    byKey = key;
  }

  /** Removes a peer (control thread only). */
  synchronized void remove(PeerPath path) {
    IntObjectHashMap<PeerPath> ip = new IntObjectHashMap<>(byTunnelIp.size());
    ip.putAll(byTunnelIp);
    ip.remove(path.tunnelIp);
    IntObjectHashMap<PeerPath> key = new IntObjectHashMap<>(byKey.size());
    key.putAll(byKey);
    key.remove(path.greKey);
    byTunnelIp = ip;
    byKey = key;
  }

  private void tunLoop() {
    UdpPort.Sender sender = port.sender();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(GreWire.HEADER + MAX_PACKET, 64);
      MemorySegment inner = buf.asSlice(GreWire.HEADER);
      while (running) {
        int n = tun.read(inner);
        if (n < 20 || (inner.get(ValueLayout.JAVA_BYTE, 0) & 0xF0) != 0x40) {
          counters.dropMalformed.increment(); // IPv6 and runts: the overlay is IPv4
          continue;
        }
        PeerPath path = byTunnelIp.get(GreWire.beInt(inner, 16));
        if (path == null || !path.sending) {
          counters.dropNoPath.increment();
          continue;
        }
        GreWire.write(buf, 0, path.greKey);
        int len = n + GreWire.HEADER;
        if (sender.send(buf, 0, len, path.endpointIp, path.endpointPort)) {
          path.txPackets.increment();
          path.txBytes.add(n);
          counters.txPackets.increment();
          counters.txBytes.add(n);
        } else {
          counters.dropSendFailed.increment();
        }
      }
    } catch (TunClosedException e) {
      log.debug("dataplane_tun_closed");
    } catch (IOException | RuntimeException e) {
      if (running) {
        log.error("dataplane_tun_failed error=\"{}\"", e.toString());
      }
    } finally {
      sender.close();
    }
  }

  private void udpLoop() {
    UdpPort.Receiver rx = port.receiver(RX_BATCH, MAX_PACKET > 9216 ? 9216 : MAX_PACKET);
    try {
      while (running) {
        int n = rx.receive();
        if (n < 0) {
          break;
        }
        for (int i = 0; i < n; i++) {
          handleDatagram(rx, i);
        }
      }
    } catch (RuntimeException e) {
      if (running) {
        log.error("dataplane_udp_failed error=\"{}\"", e.toString());
      }
    } finally {
      rx.close();
    }
  }

  private void handleDatagram(UdpPort.Receiver rx, int i) {
    MemorySegment data = rx.data();
    long off = rx.offset(i);
    int len = rx.length(i);
    if (rx.truncated(i)) {
      counters.dropMalformed.increment();
      return;
    }
    if (GreWire.isKeyedIpv4(data, off, len)) {
      handleGre(data, off, len, rx.sourceIp(i), rx.sourcePort(i));
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
    if (!controlSink.test(new ControlPacket(copy, from))) {
      counters.dropControlBusy.increment();
    }
  }

  private void handleGre(MemorySegment data, long off, int len, int srcIp, int srcPort) {
    PeerPath path = byKey.get(GreWire.key(data, off));
    if (path == null) {
      counters.dropUnknownKey.increment();
      return;
    }
    if (srcIp != path.endpointIp || srcPort != path.endpointPort) {
      // Kernel GRE demuxes on (local, remote, key) too; an unexpected source is not this peer.
      counters.dropWrongSource.increment();
      return;
    }
    int innerLen = len - GreWire.HEADER;
    long innerOff = off + GreWire.HEADER;
    if (innerLen < 20
        || (data.get(ValueLayout.JAVA_BYTE, innerOff) & 0xF0) != 0x40
        || Short.toUnsignedInt(
                data.get(
                    ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN),
                    innerOff + 2))
            > innerLen) {
      counters.dropMalformed.increment();
      return;
    }
    try {
      tun.write(data.asSlice(innerOff, innerLen));
    } catch (IOException e) {
      counters.dropSendFailed.increment();
      return;
    }
    path.inboundSeen = true;
    path.rxPackets.increment();
    path.rxBytes.add(innerLen);
    counters.rxPackets.increment();
    counters.rxBytes.add(innerLen);
  }

  /** Stops both loops and closes the TUN device (which removes it, its address and routes). */
  @Override
  public void close() {
    running = false;
    port.wake();
    try {
      tun.close();
    } catch (IOException e) {
      log.warn("dataplane_tun_close_failed error=\"{}\"", e.toString());
    }
    try {
      tunThread.join(2000);
      udpThread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    controlSender.close();
    port.close();
  }
}
