package dev.gretun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gretun.core.daemon.DaemonConfig;
import dev.gretun.core.daemon.localapi.LocalApiClient;
import dev.gretun.core.tunnel.TunnelStatus;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * The read-only commands that scripts and monitoring run in loops ({@code version}, {@code peers},
 * {@code list}, with {@code --json} and, for {@code peers}, {@code --control-socket}), answered
 * without picocli. Building picocli's model of a command and running picocli's classes, which are
 * compiled for Java 5 and so cannot be stored in the AOT cache, is most of such a command's start
 * (docs/BENCH.md, "CLI start-up"). Only the exact command lines {@link #parse} accepts are taken;
 * anything else (help, another option, a typo) and every failure (no daemon, no permission) is left
 * to picocli, which prints the same output ({@code QuickCommandsTest} compares the two) and every
 * error in one place. The commands only read, so running one again there is harmless.
 */
final class QuickCommands {
  private QuickCommands() {}

  /** A command line this class answers. */
  record Quick(String command, boolean json, Path controlSocket) {}

  /**
   * Runs {@code args} when it is one of the quick command lines; false when it is not, or when the
   * command failed before printing anything (picocli then runs it and reports the error).
   */
  static boolean run(String[] args, PrintWriter out) {
    Quick q = parse(args);
    if (q == null) {
      return false;
    }
    try {
      switch (q.command()) {
        case "version" -> VersionCommand.print(out, q.json());
        case "peers" -> {
          JsonNode peers = LocalApiClient.call(q.controlSocket(), "peers");
          PeersCommand.print(out, q.json(), peers);
        }
        default -> {
          List<TunnelStatus> tunnels = TunnelCommands.list();
          ListCommand.print(out, q.json(), tunnels);
        }
      }
    } catch (RuntimeException e) {
      return false;
    }
    out.flush();
    return true;
  }

  /**
   * {@code version}, {@code peers} or {@code list}, {@code --json} at most once anywhere, and for
   * {@code peers} {@code --control-socket PATH} (or {@code =PATH}) at most once after the command;
   * null for anything else.
   */
  static Quick parse(String[] args) {
    String command = null;
    boolean json = false;
    Path socket = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--json")) {
        if (json) {
          return null;
        }
        json = true;
      } else if (command == null
          && (a.equals("version") || a.equals("peers") || a.equals("list"))) {
        command = a;
      } else if ("peers".equals(command) && socket == null && a.startsWith("--control-socket")) {
        String value;
        if (a.equals("--control-socket") && i + 1 < args.length) {
          value = args[++i];
        } else if (a.startsWith("--control-socket=")) {
          value = a.substring("--control-socket=".length());
        } else {
          return null;
        }
        if (value.isEmpty() || value.startsWith("-")) {
          return null;
        }
        socket = Path.of(value);
      } else {
        return null;
      }
    }
    if (command == null) {
      return null;
    }
    return new Quick(
        command, json, socket != null ? socket : Path.of(DaemonConfig.DEFAULT_LOCAL_API_SOCKET));
  }
}
