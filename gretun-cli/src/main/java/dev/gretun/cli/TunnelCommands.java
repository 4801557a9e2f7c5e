package dev.gretun.cli;

import dev.gretun.cmd.CliSupport;
import dev.gretun.core.GretunException;
import dev.gretun.core.link.NetlinkLinkControl;
import dev.gretun.core.os.Capabilities;
import dev.gretun.core.tunnel.TunnelService;
import dev.gretun.core.tunnel.TunnelStatus;
import dev.gretun.core.tunnel.TunnelValidation;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine;

/** Shared plumbing of the tunnel commands: a service on real netlink sockets, usage errors. */
final class TunnelCommands {
  private TunnelCommands() {}

  /** Runs {@code action} with a {@link TunnelService} in this process's network namespace. */
  static <T> T withService(Function<TunnelService, T> action) {
    try (NetlinkLinkControl kernel = NetlinkLinkControl.open()) {
      return action.apply(new TunnelService(kernel, Capabilities::hasNetAdmin));
    }
  }

  /** Every gre/gretap tunnel of this network namespace. */
  static List<TunnelStatus> list() {
    return withService(TunnelService::list);
  }

  /** Validation failures are usage errors (exit 2); everything else passes through. */
  static <T> T validated(CommandLine cmd, java.util.function.Supplier<T> check) {
    try {
      return check.get();
    } catch (GretunException e) {
      if (TunnelValidation.CODE.equals(e.code())) {
        throw CliSupport.usageError(cmd, e.getMessage());
      }
      throw e;
    }
  }
}
