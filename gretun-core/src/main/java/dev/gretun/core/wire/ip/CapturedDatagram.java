package dev.gretun.core.wire.ip;

import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.WireFormatException.Reason;
import java.nio.ByteBuffer;

/**
 * An IPv4/UDP datagram as an {@code AF_PACKET}/{@code SOCK_DGRAM} socket captured it (from the IP
 * header on), reduced to what the daemon needs: source address and port, and where the UDP payload
 * lies. Pure; the receive details come from docs/NAT-TRAVERSAL.md §2:
 *
 * <ul>
 *   <li>The UDP length is taken from the UDP header and bounded by the captured length, never from
 *       the IP total length: the kernel's FOU receive path rewrites that field (−8) in the shared
 *       buffer, often before the packet socket's copy is read, and does not fix the header
 *       checksum, so neither is checked here.
 *   <li>The UDP checksum is verified unless it is 0 (none) or the kernel said the checksum is not
 *       filled in yet ({@code TP_STATUS_CSUMNOTREADY}: veth delivers partial checksums).
 * </ul>
 *
 * @param srcIp source address, big-endian int
 * @param dstPort UDP destination port
 */
public record CapturedDatagram(
    int srcIp, int srcPort, int dstIp, int dstPort, int payloadOffset, int payloadLength) {
  private static final int UDP_HEADER = 8;

  /**
   * Parses {@code captured} bytes of {@code buf} from position 0.
   *
   * @param verifyChecksum false when the kernel flagged the checksum as not ready
   */
  public static CapturedDatagram parse(ByteBuffer buf, int captured, boolean verifyChecksum)
      throws WireFormatException {
    if (captured < 20 + UDP_HEADER) {
      throw new WireFormatException(Reason.TRUNCATED, "runt: " + captured + " bytes");
    }
    int vihl = buf.get(0) & 0xff;
    int ihl = (vihl & 0x0f) * 4;
    if (vihl >>> 4 != 4) {
      throw new WireFormatException(Reason.BAD_VERSION, "not IPv4");
    }
    if (ihl < 20 || ihl + UDP_HEADER > captured) {
      throw new WireFormatException(Reason.BAD_LENGTH, "bad header length " + ihl);
    }
    if ((buf.get(9) & 0xff) != 17) {
      throw new WireFormatException(Reason.UNSUPPORTED, "not UDP");
    }
    if ((buf.getShort(6) & 0x3fff) != 0) {
      throw new WireFormatException(Reason.UNSUPPORTED, "fragment");
    }
    int udpLen = Short.toUnsignedInt(buf.getShort(ihl + 4));
    if (udpLen < UDP_HEADER || udpLen > captured - ihl) {
      throw new WireFormatException(
          Reason.BAD_LENGTH,
          "UDP length " + udpLen + " with " + (captured - ihl) + " bytes captured");
    }
    int src = buf.getInt(12);
    int dst = buf.getInt(16);
    int checksum = Short.toUnsignedInt(buf.getShort(ihl + 6));
    if (verifyChecksum && checksum != 0) {
      long pseudo = Checksums.pseudoHeader(src, dst, Ipv4Header.PROTO_UDP, udpLen);
      if (Checksums.internet(buf, ihl, udpLen, pseudo) != 0) {
        throw new WireFormatException(Reason.BAD_CHECKSUM, "UDP checksum mismatch");
      }
    }
    return new CapturedDatagram(
        src,
        Short.toUnsignedInt(buf.getShort(ihl)),
        dst,
        Short.toUnsignedInt(buf.getShort(ihl + 2)),
        ihl + UDP_HEADER,
        udpLen - UDP_HEADER);
  }
}
