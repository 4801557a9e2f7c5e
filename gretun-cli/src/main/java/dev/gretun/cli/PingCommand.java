package dev.gretun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gretun.cmd.CliSupport;
import dev.gretun.cmd.Output;
import dev.gretun.core.daemon.localapi.LocalApiClient;
import dev.gretun.core.util.Durations;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code gretun ping PEER}: the running daemon sends a disco ping to the peer's direct endpoint and
 * reports the path and round-trip time. Exit 1 when no pong came or the peer has no path. JSON:
 * docs/CLI.md ("gretun ping").
 */
@Command(
    name = "ping",
    mixinStandardHelpOptions = true,
    description = {
      "Disco-ping a peer through the running 'gretun up': the path (direct, relay or none) and"
          + " the round-trip time.",
      "PEER is a name, tunnel address or key from 'gretun peers'. Exit 1 when there is no path"
          + " or no pong."
    })
final class PingCommand implements Callable<Integer> {
  @ParentCommand GretunRoot parent;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "PEER", description = "Peer name, tunnel address or key.")
  String peer;

  @Option(
      names = "--timeout",
      paramLabel = "D",
      defaultValue = "2s",
      description = "Wait this long for the pong, at most 30s (default ${DEFAULT-VALUE}).")
  String timeout;

  @Mixin ControlSocketOption controlSocket;

  @Override
  public Integer call() {
    Duration wait;
    try {
      wait = Durations.parsePositive(timeout);
    } catch (IllegalArgumentException e) {
      throw CliSupport.usageError(spec.commandLine(), "--timeout: " + e.getMessage());
    }
    if (wait.compareTo(Duration.ofSeconds(30)) > 0) {
      throw CliSupport.usageError(spec.commandLine(), "--timeout must be at most 30s (e.g. 2s)");
    }
    JsonNode r =
        LocalApiClient.call(
            controlSocket.path, "ping", Map.of("peer", peer, "timeout_ms", wait.toMillis()));
    PrintWriter out = spec.commandLine().getOut();
    String path = r.path("path").asText("none");
    if (parent.global.json) {
      Output.json(out, r);
    } else {
      String who = r.path("peer").asText(peer) + " (" + r.path("tunnel_ip").asText("-") + ")";
      switch (path) {
        case "direct" ->
            out.printf(
                "pong from %s via direct %s in %.3f ms%n",
                who, r.path("endpoint").asText("-"), r.path("rtt_ms").asDouble());
        case "relay" ->
            out.printf("%s is reached through the relay (no direct path to ping)%n", who);
        default -> out.printf("no path to %s: %s%n", who, r.path("reason").asText("unknown"));
      }
      out.flush();
    }
    return switch (path) {
      case "direct", "relay" -> 0;
      default -> 1;
    };
  }
}
