package dev.gretun.core.wire.demux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.gretun.core.wire.disco.DiscoEnvelope;
import dev.gretun.core.wire.gre.GreHeader;
import dev.gretun.core.wire.stun.StunMessage;
import dev.gretun.core.wire.stun.TransactionId;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PortDemuxTest {
  private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

  @Test
  void demuxClassifiesPortPTraffic() {
    byte[] gre = HEX.parseHex("20 00 08 00 00 00 00 07 45 00 00 14");
    assertEquals(PortDemux.Kind.GRE, PortDemux.classify(gre, 0, gre.length));
    byte[] stun =
        StunMessage.bindingRequest(TransactionId.fromHex("000102030405060708090a0b")).encode();
    assertEquals(PortDemux.Kind.STUN, PortDemux.classify(stun, 0, stun.length));
    byte[] disco = new byte[100];
    System.arraycopy(DiscoEnvelope.MAGIC, 0, disco, 0, 6);
    assertEquals(PortDemux.Kind.DISCO, PortDemux.classify(disco, 0, disco.length));
    byte[] junk = HEX.parseHex("ff ff");
    assertEquals(PortDemux.Kind.UNKNOWN, PortDemux.classify(junk, 0, junk.length));
    assertFalse(GreHeader.looksLike(disco, 0, disco.length));
  }
}
