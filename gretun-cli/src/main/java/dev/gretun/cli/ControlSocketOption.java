package dev.gretun.cli;

import dev.gretun.core.daemon.DaemonConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --control-socket}: where the commands that talk to a running daemon find it. */
final class ControlSocketOption {
  @Option(
      names = "--control-socket",
      paramLabel = "PATH",
      description = "Control socket of the daemon (default: ${DEFAULT-VALUE}).")
  Path path = Path.of(DaemonConfig.DEFAULT_LOCAL_API_SOCKET);
}
