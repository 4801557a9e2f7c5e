package dev.gretun.cli;

import dev.gretun.cmd.CliSupport;
import dev.gretun.cmd.Output;
import dev.gretun.core.GretunException;
import dev.gretun.core.os.IcmpSocket;
import dev.gretun.core.probe.EchoProber;
import dev.gretun.core.probe.IcmpTransport;
import dev.gretun.core.probe.ProbeResult;
import dev.gretun.core.probe.ProbeSettings;
import dev.gretun.core.util.Durations;
import dev.gretun.core.util.Ticker;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code gretun probe HOST}: ICMP echo, through an unprivileged ping socket when the kernel allows
 * one, else a raw socket. Exit 0 when at least one reply came, 1 when none did. JSON fields:
 * docs/CLI.md ("gretun probe").
 */
@Command(
    name = "probe",
    mixinStandardHelpOptions = true,
    description = {
      "Send ICMP echo requests to HOST and report round-trip times and loss.",
      "Uses a ping socket (net.ipv4.ping_group_range) when allowed, else a raw socket"
          + " (CAP_NET_RAW). Exit 1 when no reply came."
    })
final class ProbeCommand implements Callable<Integer> {
  @ParentCommand GretunRoot parent;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "HOST", description = "IPv4 address or host name.")
  String host;

  @Option(
      names = "--count",
      paramLabel = "N",
      defaultValue = "3",
      description = "Echo requests to send, 1-65535 (default ${DEFAULT-VALUE}).")
  int count;

  @Option(
      names = "--interval",
      paramLabel = "D",
      defaultValue = "1s",
      description = "Time between requests, > 0 (e.g. 200ms; default ${DEFAULT-VALUE}).")
  String interval;

  @Option(
      names = "--timeout",
      paramLabel = "D",
      defaultValue = "2s",
      description = "A reply later than this after its request is lost (default ${DEFAULT-VALUE}).")
  String timeout;

  @Option(
      names = "--socket",
      paramLabel = "KIND",
      defaultValue = "auto",
      description = "auto (ping socket, else raw), ping or raw (default ${DEFAULT-VALUE}).")
  String socket;

  @Override
  public Integer call() throws IOException {
    ProbeSettings settings = settings(spec, count, interval, timeout);
    IcmpSocket.Kind kind = kind(spec, socket);
    Inet4Address address = resolve(host);
    ProbeResult result;
    try (IcmpTransport t = IcmpTransport.open(address, kind)) {
      result = new EchoProber(t, Ticker.system(), new SecureRandom()).run(host, settings);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (parent.global.json) {
      Output.json(out, result);
    } else {
      print(out, result);
    }
    return result.reachable() ? 0 : 1;
  }

  /** The flags as settings, or a usage error (exit 2) that says what to type. */
  static ProbeSettings settings(CommandSpec spec, int count, String interval, String timeout) {
    try {
      return new ProbeSettings(
          count, duration("--interval", interval), duration("--timeout", timeout));
    } catch (IllegalArgumentException e) {
      throw CliSupport.usageError(spec.commandLine(), e.getMessage());
    }
  }

  private static Duration duration(String flag, String text) {
    try {
      return Durations.parsePositive(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
    }
  }

  private static IcmpSocket.Kind kind(CommandSpec spec, String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "auto" -> null;
      case "ping" -> IcmpSocket.Kind.PING;
      case "raw" -> IcmpSocket.Kind.RAW;
      default ->
          throw CliSupport.usageError(
              spec.commandLine(), "--socket must be auto, ping or raw (got '" + text + "')");
    };
  }

  static Inet4Address resolve(String host) {
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (a instanceof Inet4Address v4) {
          return v4;
        }
      }
      throw new GretunException("resolve", host + " has no IPv4 address (gretun probes IPv4 only)");
    } catch (UnknownHostException e) {
      throw new GretunException("resolve", "cannot resolve " + host + ": check the name");
    }
  }

  private static void print(PrintWriter out, ProbeResult r) {
    out.printf("PROBE %s (%s socket, id %d)%n", r.host(), r.socket(), r.id());
    for (ProbeResult.Reply reply : r.replies()) {
      out.printf(
          "reply from %s: seq=%d time=%.3f ms%n", r.host(), reply.sequence(), reply.rttMillis());
    }
    out.printf(
        "%d sent, %d received, %s%% loss%s%n",
        r.sent(),
        r.received(),
        trim(r.lossPercent()),
        r.duplicates() > 0 ? ", " + r.duplicates() + " duplicates" : "");
    if (r.reachable()) {
      out.printf(
          "rtt min/avg/max = %.3f/%.3f/%.3f ms%n",
          r.rttMinMillis(), r.rttAvgMillis(), r.rttMaxMillis());
    }
    out.flush();
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
  }
}
