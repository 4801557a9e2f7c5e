package dev.gretun.cli;

import dev.gretun.cmd.CliSupport;
import dev.gretun.cmd.Output;
import dev.gretun.core.GretunException;
import dev.gretun.core.daemon.localapi.LocalApiClient;
import dev.gretun.core.util.Durations;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code gretun down}: asks the running daemon to stop through its control socket (it removes what
 * it created, as on SIGTERM) and waits until its socket is gone.
 */
@Command(
    name = "down",
    mixinStandardHelpOptions = true,
    description = {
      "Stop the running 'gretun up' cleanly (it removes its TUN/GRE devices and routes, as on"
          + " SIGTERM), and wait until it has stopped."
    })
final class DownCommand implements Callable<Integer> {
  private static final long POLL_MILLIS = 100;

  @ParentCommand GretunRoot parent;
  @Spec CommandSpec spec;

  @Option(
      names = "--timeout",
      paramLabel = "D",
      defaultValue = "15s",
      description = "Wait this long for the daemon to stop (default ${DEFAULT-VALUE}).")
  String timeout;

  @Mixin ControlSocketOption controlSocket;

  @Override
  public Integer call() throws InterruptedException {
    Duration wait;
    try {
      wait = Durations.parsePositive(timeout);
    } catch (IllegalArgumentException e) {
      throw CliSupport.usageError(spec.commandLine(), "--timeout: " + e.getMessage());
    }
    long start = System.nanoTime();
    LocalApiClient.call(controlSocket.path, "down");
    while (LocalApiClient.listening(controlSocket.path)) {
      if (System.nanoTime() - start > wait.toNanos()) {
        throw new GretunException(
            "stop_timeout",
            "the daemon accepted 'down' but still answers on "
                + controlSocket.path
                + " after "
                + Durations.format(wait)
                + ": check its log, or stop it with SIGTERM");
      }
      Thread.sleep(POLL_MILLIS);
    }
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    PrintWriter out = spec.commandLine().getOut();
    if (parent.global.json) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("stopped", true);
      r.put("control_socket", controlSocket.path.toString());
      r.put("took_ms", tookMs);
      Output.json(out, r);
    } else {
      out.printf("gretun daemon stopped (%d ms)%n", tookMs);
      out.flush();
    }
    return 0;
  }
}
