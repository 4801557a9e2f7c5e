package dev.gretun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gretun.cmd.Output;
import dev.gretun.core.daemon.localapi.LocalApiClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code gretun peers}: asks the running daemon for its peers. JSON: the daemon's list as is (see
 * docs/CLI.md for the fields).
 */
@Command(
    name = "peers",
    mixinStandardHelpOptions = true,
    description = "Show the peers of the running 'gretun up': state, path, endpoint, RTT, bytes.")
final class PeersCommand implements Callable<Integer> {
  @ParentCommand GretunRoot parent;
  @Spec CommandSpec spec;

  @Mixin ControlSocketOption controlSocket;

  @Override
  public Integer call() {
    print(
        spec.commandLine().getOut(),
        parent.global.json,
        LocalApiClient.call(controlSocket.path, "peers"));
    return 0;
  }

  /** The output for the daemon's answer {@code peers}, shared with {@link QuickCommands}. */
  static void print(PrintWriter out, boolean json, JsonNode peers) {
    if (json) {
      Output.json(out, peers);
      return;
    }
    String fmt = "%-16s %-15s %-14s %-7s %-22s %8s %12s %12s%n";
    out.printf(
        fmt, "NAME", "TUNNEL_IP", "STATE", "PATH", "ENDPOINT", "RTT_MS", "BYTES_IN", "BYTES_OUT");
    for (JsonNode p : peers) {
      out.printf(
          fmt,
          p.path("name").asText("-"),
          p.path("tunnel_ip").asText("-"),
          p.path("state").asText("-"),
          p.path("path").asText("-"),
          p.path("endpoint").asText("-"),
          p.hasNonNull("rtt_ms") ? String.format("%.1f", p.get("rtt_ms").asDouble()) : "-",
          p.path("bytes_in").asText("0"),
          p.path("bytes_out").asText("0"));
    }
    out.flush();
  }
}
