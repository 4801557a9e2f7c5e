package dev.gretun.core.wire.bpf;

/**
 * The classic BPF filter of the kernel data plane's packet socket (docs/NAT-TRAVERSAL.md §2): keep
 * only IPv4 UDP datagrams addressed to this host ({@code PACKET_HOST}) on port P whose payload
 * starts with the disco magic {@code TS\xF0\x9F\x92\xAC} or is a STUN message (top two bits 0,
 * magic cookie {@code 0x2112A442} at payload offset 4). Everything else, above all the tunnel's own
 * GRE-in-UDP traffic, never reaches userspace.
 *
 * <p>On an {@code AF_PACKET}/{@code SOCK_DGRAM} socket the filter sees the packet from its network
 * header on. A load past the end of the packet ends the program with 0 (drop), so runts need no
 * explicit length checks. Fragments are dropped: disco and STUN datagrams are small.
 */
public final class DiscoStunFilter {
  static final int ETH_P_IP = 0x0800;
  static final int PACKET_HOST = 0;
  static final int IPPROTO_UDP = 17;
  static final int DISCO_MAGIC_HEAD = 0x5453F09F; // "TS" F0 9F
  static final int DISCO_MAGIC_TAIL = 0x92AC;
  static final int STUN_COOKIE = 0x2112A442;

  /** Bytes to keep of an accepted packet: all of it. */
  static final int KEEP = 0x40000;

  private DiscoStunFilter() {}

  public static Bpf program(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port);
    }
    return new Bpf.Assembler()
        .loadAbs(Bpf.W, Bpf.SKF_AD_OFF + Bpf.SKF_AD_PROTOCOL)
        .jeq(ETH_P_IP, null, "drop")
        .loadAbs(Bpf.W, Bpf.SKF_AD_OFF + Bpf.SKF_AD_PKTTYPE)
        .jeq(PACKET_HOST, null, "drop")
        .loadAbs(Bpf.B, 9) // IPv4 protocol
        .jeq(IPPROTO_UDP, null, "drop")
        .loadAbs(Bpf.H, 6) // flags | fragment offset
        .jset(0x3fff, "drop", null) // MF or an offset: a fragment
        .loadIpHeaderLengthX(0)
        .loadInd(Bpf.H, 2) // UDP destination port
        .jeq(port, null, "drop")
        .loadInd(Bpf.W, 8) // first four payload bytes
        .jeq(DISCO_MAGIC_HEAD, null, "stun")
        .loadInd(Bpf.H, 12)
        .jeq(DISCO_MAGIC_TAIL, "keep", "drop")
        .label("stun")
        .jset(0xC0000000, "drop", null)
        .loadInd(Bpf.W, 12)
        .jeq(STUN_COOKIE, "keep", "drop")
        .label("keep")
        .ret(KEEP)
        .label("drop")
        .ret(0)
        .build();
  }
}
