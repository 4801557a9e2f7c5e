package dev.gretun.core.os;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.gretun.core.wire.bpf.Bpf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * An {@code AF_PACKET}/{@code SOCK_DGRAM} socket receiving IPv4 packets (network header first)
 * through a classic BPF filter, with the {@code PACKET_AUXDATA} status of each. One thread
 * receives; a receive allocates nothing.
 */
public final class PacketSocket extends SocketFd {
  /** {@code sll_pkttype} of a packet addressed to this host. */
  public static final int PACKET_HOST = 0;

  /** {@code tp_status} bit: the checksum is not filled in yet (e.g. veth's partial checksums). */
  public static final int TP_STATUS_CSUMNOTREADY = 1 << 3;

  static final int SOL_PACKET = 263;
  static final int PACKET_AUXDATA = 8;
  static final int PACKET_IGNORE_OUTGOING = 23;
  static final int ETH_P_IP = 0x0800;
  private static final int SNAP = 65536;
  private static final int RECEIVE_BUFFER = 1 << 20;

  private static final StructLayout SOCKADDR_LL =
      MemoryLayout.structLayout(
          JAVA_SHORT.withName("sll_family"),
          JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN).withName("sll_protocol"),
          JAVA_INT.withName("sll_ifindex"),
          JAVA_SHORT.withName("sll_hatype"),
          JAVA_BYTE.withName("sll_pkttype"),
          JAVA_BYTE.withName("sll_halen"),
          MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("sll_addr"));
  private static final StructLayout TPACKET_AUXDATA =
      MemoryLayout.structLayout(
          JAVA_INT.withName("tp_status"),
          JAVA_INT.withName("tp_len"),
          JAVA_INT.withName("tp_snaplen"),
          JAVA_SHORT.withName("tp_mac"),
          JAVA_SHORT.withName("tp_net"),
          JAVA_SHORT.withName("tp_vlan_tci"),
          JAVA_SHORT.withName("tp_vlan_tpid"));
  private static final long SLL_FAMILY = SOCKADDR_LL.byteOffset(groupElement("sll_family"));
  private static final long SLL_PROTOCOL = SOCKADDR_LL.byteOffset(groupElement("sll_protocol"));
  private static final long SLL_IFINDEX = SOCKADDR_LL.byteOffset(groupElement("sll_ifindex"));
  private static final long SLL_PKTTYPE = SOCKADDR_LL.byteOffset(groupElement("sll_pkttype"));
  private static final long TP_STATUS = TPACKET_AUXDATA.byteOffset(groupElement("tp_status"));

  private final int ignoreOutgoingErrno;
  private final MemorySegment data = arena.allocate(SNAP, 64);
  private final MessageVector msg =
      new MessageVector(
          arena, 1, SOCKADDR_LL.byteSize(), MessageVector.space((int) TPACKET_AUXDATA.byteSize()));

  private PacketSocket(int fd, int ignoreOutgoingErrno) {
    super(fd);
    this.ignoreOutgoingErrno = ignoreOutgoingErrno;
    msg.setData(0, data.address(), SNAP);
  }

  /**
   * Opens the socket in this thread's network namespace, in the order that never queues an
   * unfiltered packet: created with protocol 0 (it receives nothing), {@code filter} attached,
   * {@code PACKET_IGNORE_OUTGOING} (where the kernel has it, 4.20+), {@code PACKET_AUXDATA}, a 1 MB
   * receive buffer and the receive timeout; only then bound to {@code ETH_P_IP} on every interface.
   * Throws when the platform forbids packet sockets (EPERM without CAP_NET_RAW, EAFNOSUPPORT).
   */
  public static PacketSocket open(Bpf filter, Duration receiveTimeout) throws ErrnoException {
    return Sockets.open(
        Libc.AF_PACKET,
        Libc.SOCK_DGRAM,
        0,
        fd -> {
          Sockets.attachFilter(fd, filter);
          int ignoreOutgoing = Sockets.trySetInt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
          Sockets.setInt(fd, SOL_PACKET, PACKET_AUXDATA, 1);
          Sockets.setInt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, RECEIVE_BUFFER);
          Sockets.setReceiveTimeout(fd, receiveTimeout);
          try (Arena arena = Arena.ofConfined()) {
            MemorySegment ll = arena.allocate(SOCKADDR_LL);
            ll.set(JAVA_SHORT, SLL_FAMILY, (short) Libc.AF_PACKET);
            ll.set(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), SLL_PROTOCOL, (short) ETH_P_IP);
            ll.set(JAVA_INT, SLL_IFINDEX, 0); // every interface
            Sockets.bind(fd, ll);
          }
          return new PacketSocket(fd, ignoreOutgoing);
        });
  }

  /** 0 when outgoing packets skip this socket, else why the kernel refused (kernel < 4.20). */
  public int ignoreOutgoingErrno() {
    return ignoreOutgoingErrno;
  }

  /**
   * Blocks, at most the receive timeout, for one packet into {@link #data()}; returns its length
   * (at most the buffer's), or -errno (EAGAIN when the timeout passed).
   */
  public long receive() {
    msg.readyToReceive(0);
    return Libc.recvmsg(fd, msg.segment(), 0);
  }

  /** The receive buffer: the last packet starts at offset 0 with its IPv4 header. */
  public MemorySegment data() {
    return data;
  }

  /** True when the last packet was longer than the buffer. */
  public boolean truncated() {
    return (msg.flags(0) & Libc.MSG_TRUNC) != 0;
  }

  /** The last packet's {@code sll_pkttype} ({@link #PACKET_HOST}, ...). */
  public int packetType() {
    return msg.names().get(JAVA_BYTE, msg.nameOffset(0) + SLL_PKTTYPE) & 0xff;
  }

  /** The last packet's {@code tp_status} from its aux data, 0 when there was none. */
  public int auxStatus() {
    return msg.controlInt(0, SOL_PACKET, PACKET_AUXDATA, TP_STATUS, 0);
  }
}
