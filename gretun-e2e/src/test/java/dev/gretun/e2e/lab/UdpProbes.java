package dev.gretun.e2e.lab;

import dev.gretun.e2e.Launchers;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Runs {@link UdpProbe} inside lab nodes and parses what it saw. */
public final class UdpProbes {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private UdpProbes() {}

  /** One datagram a probe received: the sender as seen on the wire, and its text. */
  public record Datagram(String from, String text) {
    /** The port of the mapped address an echo server reported ("seen IP:PORT"), or -1. */
    public int seenPort() {
      String[] words = text.split(" ");
      if (words.length != 2 || !(words[0].equals("seen") || words[0].equals("other"))) {
        return -1;
      }
      return Integer.parseInt(words[1].substring(words[1].lastIndexOf(':') + 1));
    }

    /** The IP of the mapped address an echo server reported. */
    public String seenIp() {
      String endpoint = text.split(" ")[1];
      return endpoint.substring(0, endpoint.lastIndexOf(':'));
    }
  }

  /**
   * Starts an echo server on the given ADDR:PORT endpoints of a node and waits until it is bound.
   * {@code first}, if not null, is a HOST:PORT it sends one unsolicited "hello" to before that.
   */
  public static LabProcess startEcho(Lab lab, String node, String first, String... endpoints)
      throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("echo", "--max-seconds", "120"));
    if (first != null) {
      args.addAll(List.of("--first", first));
    }
    args.addAll(List.of(endpoints));
    LabProcess echo =
        lab.startJava(node, "echo-" + node, UdpProbe.class, args.toArray(String[]::new));
    echo.awaitLine("ready", READY_TIMEOUT);
    return echo;
  }

  /**
   * Sends {@code payload} from one socket of {@code node} bound to {@code bindPort} (0 = any) to
   * every target, and returns every datagram that came back within {@code waitMs}.
   */
  public static List<Datagram> send(
      Lab lab, String node, int bindPort, String payload, int waitMs, String... targets)
      throws IOException, InterruptedException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "send",
                "--bind",
                "0.0.0.0:" + bindPort,
                "--payload",
                payload,
                "--wait-ms",
                Integer.toString(waitMs)));
    args.addAll(List.of(targets));
    Launchers.Result r = lab.runJava(node, UdpProbe.class, args.toArray(String[]::new));
    if (r.exit() != 0 || !r.stdout().contains("done")) {
      throw new AssertionError("UdpProbe send failed in " + node + ": " + r.stdout() + r.stderr());
    }
    return parse(r.stdout());
  }

  static List<Datagram> parse(String output) {
    List<Datagram> got = new ArrayList<>();
    for (String line : output.lines().toList()) {
      if (line.startsWith("recv from=")) {
        int text = line.indexOf(" text=");
        got.add(
            new Datagram(line.substring("recv from=".length(), text), line.substring(text + 6)));
      }
    }
    return got;
  }
}
