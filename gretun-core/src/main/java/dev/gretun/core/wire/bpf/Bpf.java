package dev.gretun.core.wire.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A classic BPF (cBPF, {@code linux/filter.h}) program as socket filters take it, and a tiny
 * assembler with forward labels. Only the instructions the control-packet filter needs are offered.
 *
 * <p>Encoding: each {@code struct sock_filter} is {@code u16 code, u8 jt, u8 jf, u32 k} in host
 * byte order (little-endian on x86_64 and aarch64), 8 bytes. Jumps are relative to the next
 * instruction and only forward (0..255), which the assembler checks.
 */
public final class Bpf {
  // instruction classes
  public static final int LD = 0x00;
  public static final int LDX = 0x01;
  public static final int JMP = 0x05;
  public static final int RET = 0x06;
  // sizes
  public static final int W = 0x00;
  public static final int H = 0x08;
  public static final int B = 0x10;
  // modes
  public static final int ABS = 0x20;
  public static final int IND = 0x40;
  public static final int MSH = 0xa0;
  // jumps and sources
  public static final int JEQ = 0x10;
  public static final int JSET = 0x40;
  public static final int K = 0x00;

  /** Ancillary loads: {@code SKF_AD_OFF} plus {@code SKF_AD_PROTOCOL} / {@code SKF_AD_PKTTYPE}. */
  public static final int SKF_AD_OFF = -0x1000;

  public static final int SKF_AD_PROTOCOL = 0;
  public static final int SKF_AD_PKTTYPE = 4;

  /** One {@code struct sock_filter}. */
  public record Insn(int code, int jt, int jf, int k) {}

  private final List<Insn> insns;

  private Bpf(List<Insn> insns) {
    this.insns = List.copyOf(insns);
  }

  public List<Insn> instructions() {
    return insns;
  }

  public int length() {
    return insns.size();
  }

  /** The {@code struct sock_filter[]} bytes for {@code SO_ATTACH_FILTER}. */
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (Insn i : insns) {
      b.putShort((short) i.code()).put((byte) i.jt()).put((byte) i.jf()).putInt(i.k());
    }
    return b.array();
  }

  /** Builds a program; jump targets are label names defined later with {@link #label}. */
  public static final class Assembler {
    private final List<Insn> out = new ArrayList<>();
    private final List<String[]> targets = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();

    private Assembler emit(int code, String jt, String jf, int k) {
      out.add(new Insn(code, 0, 0, k));
      targets.add(new String[] {jt, jf});
      return this;
    }

    /** Marks the next instruction as {@code name}. */
    public Assembler label(String name) {
      if (labels.putIfAbsent(name, out.size()) != null) {
        throw new IllegalArgumentException("label defined twice: " + name);
      }
      return this;
    }

    /** {@code ld [k]}, {@code ldh [k]} or {@code ldb [k]} (size W, H or B). */
    public Assembler loadAbs(int size, int k) {
      return emit(LD | size | ABS, null, null, k);
    }

    /** {@code ld [x + k]} etc. */
    public Assembler loadInd(int size, int k) {
      return emit(LD | size | IND, null, null, k);
    }

    /** {@code ldxb 4*([k]&0xf)}: X = the IPv4 header length of the packet at offset k. */
    public Assembler loadIpHeaderLengthX(int k) {
      return emit(LDX | B | MSH, null, null, k);
    }

    /** {@code jeq #k, jt, jf}; a null label means "the next instruction". */
    public Assembler jeq(int k, String jt, String jf) {
      return emit(JMP | JEQ | K, jt, jf, k);
    }

    /** {@code jset #k, jt, jf}: jump to jt when {@code A & k != 0}. */
    public Assembler jset(int k, String jt, String jf) {
      return emit(JMP | JSET | K, jt, jf, k);
    }

    /** {@code ret #k}: keep k bytes of the packet (0 = drop it). */
    public Assembler ret(int k) {
      return emit(RET | K, null, null, k);
    }

    public Bpf build() {
      List<Insn> resolved = new ArrayList<>(out.size());
      for (int i = 0; i < out.size(); i++) {
        Insn in = out.get(i);
        String[] t = targets.get(i);
        resolved.add(new Insn(in.code(), offset(i, t[0]), offset(i, t[1]), in.k()));
      }
      if (resolved.isEmpty() || (resolved.getLast().code() & 0x07) != RET) {
        throw new IllegalArgumentException("a BPF program must end with ret");
      }
      return new Bpf(resolved);
    }

    private int offset(int at, String label) {
      if (label == null) {
        return 0;
      }
      Integer target = labels.get(label);
      if (target == null) {
        throw new IllegalArgumentException("undefined label: " + label);
      }
      int rel = target - at - 1;
      if (rel < 0 || rel > 255) {
        throw new IllegalArgumentException("jump to " + label + " out of range: " + rel);
      }
      return rel;
    }
  }
}
