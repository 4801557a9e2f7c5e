package dev.gretun.core.wire.bpf;

/**
 * A classic BPF interpreter for the instructions {@link Bpf.Assembler} emits, following the
 * kernel's rules: loads past the packet end return 0 (drop), ancillary loads give the packet's
 * protocol and type. Tests run filters on sample packets with it.
 */
final class BpfInterpreter {
  private BpfInterpreter() {}

  /** Runs {@code prog} over {@code pkt} (starting at the network header); returns what ret says. */
  static int run(Bpf prog, byte[] pkt, int protocol, int pktType) {
    int a = 0;
    int x = 0;
    var insns = prog.instructions();
    for (int pc = 0; pc < insns.size(); pc++) {
      Bpf.Insn in = insns.get(pc);
      int code = in.code();
      int k = in.k();
      switch (code & 0x07) {
        case Bpf.LD -> {
          int size = code & 0x18;
          int mode = code & 0xe0;
          int off = mode == Bpf.IND ? x + k : k;
          if (mode == Bpf.ABS && k <= Bpf.SKF_AD_OFF + 0xfff && k < 0) {
            a =
                switch (k - Bpf.SKF_AD_OFF) {
                  case Bpf.SKF_AD_PROTOCOL -> protocol;
                  case Bpf.SKF_AD_PKTTYPE -> pktType;
                  default -> throw new IllegalArgumentException("ancillary " + k);
                };
            continue;
          }
          int width = size == Bpf.W ? 4 : size == Bpf.H ? 2 : 1;
          if (off < 0 || off + width > pkt.length) {
            return 0;
          }
          a = 0;
          for (int i = 0; i < width; i++) {
            a = a << 8 | (pkt[off + i] & 0xff);
          }
        }
        case Bpf.LDX -> {
          if ((code & 0xe0) != Bpf.MSH || k >= pkt.length) {
            return k >= pkt.length ? 0 : fail(code);
          }
          x = 4 * (pkt[k] & 0x0f);
        }
        case Bpf.JMP -> {
          boolean taken =
              switch (code & 0xf0) {
                case Bpf.JEQ -> a == k;
                case Bpf.JSET -> (a & k) != 0;
                default -> fail(code) != 0;
              };
          pc += taken ? in.jt() : in.jf();
        }
        case Bpf.RET -> {
          return k;
        }
        default -> fail(code);
      }
    }
    throw new IllegalStateException("ran off the end of the program");
  }

  private static int fail(int code) {
    throw new IllegalArgumentException("unsupported opcode 0x" + Integer.toHexString(code));
  }
}
