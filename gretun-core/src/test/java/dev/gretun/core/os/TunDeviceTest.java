package dev.gretun.core.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Failure paths that create nothing (safe in the root namespace, with or without root). */
class TunDeviceTest {
  @Test
  void nameLongerThanIfnamsizIsRejectedBeforeAnySyscall() {
    var e = assertThrows(IllegalArgumentException.class, () -> TunDevice.open("a-name-too-long-0"));
    assertTrue(e.getMessage().contains("1-15 characters"), e.getMessage());
  }

  @Test
  void kernelRefusalBecomesATypedErrnoException() {
    // The kernel rejects '/' in interface names (EINVAL as root; EPERM without CAP_NET_ADMIN).
    var e = assertThrows(ErrnoException.class, () -> TunDevice.open("bad/name"));
    assertEquals("ioctl(bad/name, TUNSETIFF)", e.call());
    assertTrue(Set.of(1, 22).contains(e.errno()), e.getMessage());
    assertTrue(
        e.getMessage()
            .matches("ioctl\\(bad/name, TUNSETIFF\\) failed: E(PERM|INVAL) \\(errno \\d+\\)"),
        e.getMessage());
  }

  @Test
  void errnoExceptionNamesTheCallAndTheErrno() {
    var e = new ErrnoException("socket", 1);
    assertEquals("socket failed: EPERM (errno 1)", e.getMessage());
    assertTrue(e.is(Errno.EPERM));
    assertEquals(
        "read(gt0) failed: errno 9999", new ErrnoException("read(gt0)", 9999).getMessage());
  }
}
