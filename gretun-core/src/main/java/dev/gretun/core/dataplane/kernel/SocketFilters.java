package dev.gretun.core.dataplane.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.gretun.core.os.Libc;
import dev.gretun.core.wire.bpf.Bpf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Attaches a classic BPF program to a socket ({@code SO_ATTACH_FILTER}). */
final class SocketFilters {
  static final int SO_ATTACH_FILTER = 26;

  private SocketFilters() {}

  /** {@code struct sock_fprog { unsigned short len; struct sock_filter *filter; }} = 16 bytes. */
  static void attach(int fd, Bpf program) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment insns = arena.allocateFrom(JAVA_BYTE, program.encode());
      MemorySegment prog = arena.allocate(16, 8);
      prog.set(JAVA_SHORT, 0, (short) program.length());
      prog.set(ADDRESS, 8, insns);
      Libc.setsockopt(fd, Libc.SOL_SOCKET, SO_ATTACH_FILTER, prog); // the kernel copies it
    }
  }
}
