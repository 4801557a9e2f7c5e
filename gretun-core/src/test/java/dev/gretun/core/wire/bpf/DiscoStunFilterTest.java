package dev.gretun.core.wire.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gretun.core.testing.Samples;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class DiscoStunFilterTest {
  private static final int P = 7777;
  private static final Bpf PROG = DiscoStunFilter.program(P);
  private static final int IP = 0x0800;
  private static final int HOST = 0;
  private static final int OUTGOING = 4;

  private static int run(byte[] pkt) {
    return BpfInterpreter.run(PROG, pkt, IP, HOST);
  }

  @Test
  void encoding() {
    assertEquals(
        String.join(
            "",
            "20000000" + "00f0ffff", // ld #proto
            "15000011" + "00080000", // jeq #0x800, 0, drop(+17)
            "20000000" + "04f0ffff", // ld #pkttype
            "1500000f" + "00000000", // jeq #PACKET_HOST, 0, drop(+15)
            "30000000" + "09000000", // ldb [9]
            "1500000d" + "11000000", // jeq #17, 0, drop
            "28000000" + "06000000", // ldh [6]
            "45000b00" + "ff3f0000", // jset #0x3fff, drop(+11), 0
            "b1000000" + "00000000", // ldxb 4*([0]&0xf)
            "48000000" + "02000000", // ldh [x+2]
            "15000008" + "611e0000", // jeq #7777, 0, drop
            "40000000" + "08000000", // ld [x+8]
            "15000002" + "9ff05354", // jeq #"TS\xF0\x9F", 0, stun(+2)
            "48000000" + "0c000000", // ldh [x+12]
            "15000304" + "ac920000", // jeq #0x92ac, keep(+3), drop(+4)
            "45000300" + "000000c0", // stun: jset #0xc0000000, drop(+3), 0
            "40000000" + "0c000000", // ld [x+12]
            "15000001" + "42a41221", // jeq #cookie, keep(+0), drop(+1)
            "06000000" + "00000400", // keep: ret #0x40000
            "06000000" + "00000000"), // drop: ret #0
        HexFormat.of().formatHex(PROG.encode()));
  }

  @Test
  void keepsDiscoAndStunToPortP() {
    assertEquals(DiscoStunFilter.KEEP, run(Samples.udp(P, Samples.disco(60))));
    assertEquals(DiscoStunFilter.KEEP, run(Samples.udp(P, Samples.stun())));
  }

  @Test
  void dropsTheTunnelsOwnGre() {
    assertEquals(0, run(Samples.udp(P, Samples.gre())));
  }

  @Test
  void dropsOtherPortsAndProtocols() {
    assertEquals(0, run(Samples.udp(P + 1, Samples.disco(60))));
    byte[] tcp = Samples.udp(P, Samples.disco(60));
    tcp[9] = 6;
    assertEquals(0, run(tcp));
    assertEquals(0, BpfInterpreter.run(PROG, Samples.udp(P, Samples.stun()), 0x86dd, HOST));
  }

  @Test
  void dropsOutgoingCopies() {
    assertEquals(0, BpfInterpreter.run(PROG, Samples.udp(P, Samples.disco(60)), IP, OUTGOING));
  }

  @Test
  void dropsFragmentsRuntsAndNearMisses() {
    byte[] frag = Samples.udp(P, Samples.disco(60));
    frag[6] = 0x20; // more fragments
    assertEquals(0, run(frag));
    byte[] full = Samples.udp(P, Samples.disco(60));
    assertEquals(0, run(Arrays.copyOf(full, 20 + 8 + 5))); // magic cut short
    byte[] badMagic = Samples.udp(P, Samples.disco(60));
    badMagic[28 + 5] = 0;
    assertEquals(0, run(badMagic));
    byte[] stunTopBits = Samples.udp(P, Samples.stun());
    stunTopBits[28] |= (byte) 0x80;
    assertEquals(0, run(stunTopBits));
    byte[] noCookie = Samples.udp(P, Samples.stun());
    noCookie[28 + 4] = 0;
    assertEquals(0, run(noCookie));
  }

  @Test
  void followsIpOptions() {
    byte[] plain = Samples.udp(P, Samples.disco(10));
    byte[] withOptions = new byte[plain.length + 4];
    System.arraycopy(plain, 0, withOptions, 0, 20);
    withOptions[0] = 0x46; // IHL 6: one word of options (NOPs)
    Arrays.fill(withOptions, 20, 24, (byte) 1);
    System.arraycopy(plain, 20, withOptions, 24, plain.length - 20);
    assertEquals(DiscoStunFilter.KEEP, run(withOptions));
  }
}
