package dev.gretun.core.wire.demux;

import dev.gretun.core.wire.disco.DiscoEnvelope;
import dev.gretun.core.wire.gre.GreHeader;
import dev.gretun.core.wire.stun.StunMessage;

/**
 * Classifies a datagram received on the node's one UDP port P (docs/NAT-TRAVERSAL.md §2), in this
 * order: disco magic, then STUN (top two bits 0 and the magic cookie at offset 4), then GRE. The
 * order matters only in principle: "TS" (0x54) has bit 1 set, which GRE forbids, and a STUN
 * message's first two bits are 0, so a STUN header is never a disco envelope.
 */
public final class PortDemux {
  /** What a datagram on port P is. */
  public enum Kind {
    DISCO,
    STUN,
    GRE,
    UNKNOWN
  }

  private PortDemux() {}

  public static Kind classify(byte[] b, int off, int len) {
    if (DiscoEnvelope.isDisco(b, off, len)) {
      return Kind.DISCO;
    }
    if (StunMessage.looksLike(b, off, len)) {
      return Kind.STUN;
    }
    if (GreHeader.looksLike(b, off, len)) {
      return Kind.GRE;
    }
    return Kind.UNKNOWN;
  }
}
