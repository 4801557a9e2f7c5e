package dev.gretun.core.os;

/**
 * The Linux system call numbers {@link Libc} makes, for the running architecture: x86_64 ({@code
 * asm/unistd_64.h}) or aarch64 (the generic table, {@code asm-generic/unistd.h}). aarch64 has no
 * {@code open}, {@code poll} or {@code eventfd}, so both use {@code openat}, {@code ppoll} and
 * {@code eventfd2}.
 */
record SyscallNumbers(
    int read,
    int write,
    int close,
    int ioctl,
    int socket,
    int connect,
    int sendto,
    int recvfrom,
    int recvmsg,
    int shutdown,
    int bind,
    int getsockname,
    int setsockopt,
    int openat,
    int ppoll,
    int eventfd2,
    int recvmmsg,
    int sendmmsg,
    int setns) {

  static final SyscallNumbers X86_64 =
      new SyscallNumbers(
          0, 1, 3, 16, 41, 42, 44, 45, 47, 48, 49, 51, 54, 257, 271, 290, 299, 307, 308);
  static final SyscallNumbers AARCH64 =
      new SyscallNumbers(
          63, 64, 57, 29, 198, 203, 206, 207, 212, 210, 200, 204, 208, 56, 73, 19, 243, 269, 268);

  /** The table for {@code os.arch}; fails with the architecture's name on any other. */
  static SyscallNumbers forArch(String osArch) {
    return switch (osArch) {
      case "amd64", "x86_64" -> X86_64;
      case "aarch64", "arm64" -> AARCH64;
      default ->
          throw new UnsupportedOperationException(
              "gretun knows the Linux system call numbers of x86_64 and aarch64 only; this JVM"
                  + " runs on os.arch="
                  + osArch);
    };
  }
}
