package dev.gretun.core.wire.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class BpfTest {
  /**
   * {@code tcpdump -dd ip} on an Ethernet device prints { 0x28, 0, 0, 0x0000000c }, { 0x15, 0, 1,
   * 0x00000800 }, { 0x6, 0, 0, 0x00040000 }, { 0x6, 0, 0, 0x00000000 }; the assembler must produce
   * the same struct sock_filter bytes (little-endian code and k).
   */
  @Test
  void encodesLikeTcpdump() {
    Bpf p =
        new Bpf.Assembler()
            .loadAbs(Bpf.H, 12)
            .jeq(0x0800, null, "no")
            .ret(0x40000)
            .label("no")
            .ret(0)
            .build();
    assertEquals(
        "28000000"
            + "0c000000"
            + "15000001"
            + "00080000"
            + "06000000"
            + "00000400"
            + "06000000"
            + "00000000",
        HexFormat.of().formatHex(p.encode()));
  }

  @Test
  void opcodesOfEveryInstructionKind() {
    Bpf p =
        new Bpf.Assembler()
            .loadAbs(Bpf.W, Bpf.SKF_AD_OFF + Bpf.SKF_AD_PKTTYPE) // ld #pkttype: 0x20
            .loadAbs(Bpf.B, 9) // ldb [9]: 0x30
            .loadIpHeaderLengthX(0) // ldxb 4*([0]&0xf): 0xb1
            .loadInd(Bpf.H, 2) // ldh [x+2]: 0x48
            .loadInd(Bpf.W, 8) // ld [x+8]: 0x40
            .jset(0xC0000000, "end", null) // jset: 0x45
            .label("end")
            .ret(0)
            .build();
    assertEquals(
        "20000000"
            + "04f0ffff" // k = SKF_AD_OFF + 4 = 0xfffff004
            + "30000000"
            + "09000000"
            + "b1000000"
            + "00000000"
            + "48000000"
            + "02000000"
            + "40000000"
            + "08000000"
            + "45000000"
            + "000000c0" // both branches fall through to "end"
            + "06000000"
            + "00000000",
        HexFormat.of().formatHex(p.encode()));
  }

  @Test
  void rejectsBadPrograms() {
    assertThrows(
        IllegalArgumentException.class, () -> new Bpf.Assembler().loadAbs(Bpf.B, 0).build());
    assertThrows(
        IllegalArgumentException.class, () -> new Bpf.Assembler().jeq(1, "x", null).ret(0).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> new Bpf.Assembler().label("x").ret(0).label("x").ret(0).build());
    // a backward jump
    assertThrows(
        IllegalArgumentException.class,
        () -> new Bpf.Assembler().label("top").jeq(1, "top", null).ret(0).build());
  }
}
