package dev.gretun.core.dataplane.kernel;

import dev.gretun.core.GretunException;
import dev.gretun.core.link.KernelErrors;
import dev.gretun.core.link.LinkControl;
import dev.gretun.core.os.Errno;
import dev.gretun.core.os.NetlinkException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FOU port P, held for the daemon's life. A FOU port has no alias, so the daemon notes in {@code
 * <claimDir>/kernel-fou-P.claim} that it opened P; a restart after SIGKILL finds the note and takes
 * the port back, while a FOU port someone else opened is never taken over.
 */
final class FouPortClaim {
  private static final Logger log = LoggerFactory.getLogger(FouPortClaim.class);
  private static final int IPPROTO_GRE = 47;

  private final LinkControl kernel;
  private final int port;
  private final Path claim;
  private boolean open;

  /**
   * @param claimDir where the note lives; null = never take over a FOU port already open
   */
  FouPortClaim(LinkControl kernel, int port, Path claimDir) {
    this.kernel = kernel;
    this.port = port;
    this.claim = claimDir == null ? null : claimDir.resolve("kernel-fou-" + port + ".claim");
  }

  void open() {
    try {
      kernel.addFouPort(port);
    } catch (NetlinkException e) {
      if (!(e.is(Errno.EEXIST) || e.is(Errno.EADDRINUSE) || e.is(Errno.EALREADY))) {
        throw KernelErrors.translate(e, "open FOU port " + port);
      }
      boolean isFou =
          kernel.fouPorts().stream().anyMatch(f -> f.port() == port && f.ipproto() == IPPROTO_GRE);
      if (isFou && claim != null && Files.exists(claim)) {
        log.info("kernel_fou_port_reclaimed port={} claim={}", port, claim);
      } else if (isFou) {
        throw new GretunException(
            "address_in_use",
            "UDP port "
                + port
                + " is already a kernel FOU port this daemon did not open (gretun create --encap"
                + " fou? ip fou add?): remove it with 'ip fou del port "
                + port
                + "' or pass another --port");
      } else {
        throw new GretunException(
            "address_in_use",
            "UDP port " + port + " is in use by another socket: stop it or pass another --port");
      }
    }
    open = true;
    writeClaim();
    log.info("kernel_fou_port port={} ipproto=47", port);
  }

  private void writeClaim() {
    if (claim == null) {
      return;
    }
    try {
      Files.createDirectories(claim.getParent());
      Files.writeString(claim, "fou_port=" + port + " pid=" + ProcessHandle.current().pid() + "\n");
    } catch (IOException e) {
      log.warn("kernel_fou_claim_failed file={} error={}", claim, e.toString());
    }
  }

  /** Closes P (if {@link #open} succeeded) and removes the note. */
  void close() {
    if (!open) {
      return;
    }
    open = false;
    try {
      kernel.deleteFouPort(port);
      log.info("kernel_fou_port_closed port={}", port);
    } catch (NetlinkException e) {
      log.warn("kernel_fou_port_delete_failed port={} error={}", port, e.getMessage());
    }
    if (claim != null) {
      try {
        Files.deleteIfExists(claim);
      } catch (IOException e) {
        log.warn("kernel_fou_claim_delete_failed file={} error={}", claim, e.toString());
      }
    }
  }
}
