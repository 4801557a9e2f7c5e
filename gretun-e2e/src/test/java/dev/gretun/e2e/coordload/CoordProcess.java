package dev.gretun.e2e.coordload;

import dev.gretun.e2e.Launchers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code bin/gretun-coord} process on loopback for the attack tests, with raw-socket HTTP
 * helpers: the attacks need control over bytes and source addresses (127.0.0.0/8 is all loopback on
 * Linux, so a client socket bound to 127.0.0.2 is a second client address).
 */
final class CoordProcess implements AutoCloseable {
  final Process process;
  final int port;
  final int metricsPort;
  final Path log;

  private CoordProcess(Process process, int port, int metricsPort, Path log) {
    this.process = process;
    this.port = port;
    this.metricsPort = metricsPort;
    this.log = log;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts {@code [prefix...] bin/gretun-coord} on fresh ports with {@code extra} flags. */
  static CoordProcess start(Path dir, List<String> prefix, String... extra) throws Exception {
    Files.createDirectories(dir);
    int port = freePort();
    int metricsPort = freePort();
    List<String> args = new ArrayList<>(List.of("--insecure-http")); // TLS: tls.CoordTlsTest
    if (!List.of(extra).contains("--metrics-listen")) {
      args.addAll(List.of("--metrics-listen", "127.0.0.1:" + metricsPort));
    }
    args.addAll(
        List.of(
            "--listen",
            "127.0.0.1:" + port,
            "--stun-listen",
            "off",
            "--state-dir",
            dir.resolve("state").toString()));
    args.addAll(List.of(extra));
    ProcessBuilder pb = Launchers.builder("gretun-coord", args.toArray(String[]::new));
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(pb.command());
    pb.command(cmd);
    Path log = dir.resolve("coord.log");
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    CoordProcess c = new CoordProcess(pb.start(), port, metricsPort, log);
    c.awaitHealthy();
    return c;
  }

  static CoordProcess start(Path dir, String... extra) throws Exception {
    return start(dir, List.of(), extra);
  }

  private void awaitHealthy() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("gretun-coord exited:\n" + Files.readString(log));
      }
      try {
        if (get(InetAddress.getLoopbackAddress(), port, "/healthz", "").status() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("gretun-coord not healthy in 60 s:\n" + Files.readString(log));
  }

  /** The java process (the launchers exec it, so it is the started process). */
  long pid() {
    return process.pid();
  }

  long rssKiB() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    throw new IOException("no VmRSS for " + pid());
  }

  /** Value of one sample on the metrics listener, e.g. {@code name{label="x"}}; -1 if absent. */
  double metric(String sample) throws IOException {
    String text = get(InetAddress.getLoopbackAddress(), metricsPort, "/metrics", "").body();
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  String logText() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  /** One parsed HTTP/1.1 reply. */
  record Reply(int status, String headers, String body) {}

  /** A socket from {@code from} to {@code 127.0.0.1:port}, 10 s read timeout. */
  static Socket connect(InetAddress from, int port) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(from, 0));
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
    s.setSoTimeout(10_000);
    return s;
  }

  /** {@code GET path} from the client address {@code from}, with extra header lines. */
  static Reply get(InetAddress from, int port, String path, String headerLines) throws IOException {
    try (Socket s = connect(from, port)) {
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET "
                  + path
                  + " HTTP/1.1\r\nHost: coord\r\nConnection: close\r\n"
                  + headerLines
                  + "\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Reply r = read(s.getInputStream());
      if (r == null) {
        throw new IOException("connection closed without a reply");
      }
      return r;
    }
  }

  /** Reads one reply (status line, headers, Content-Length body); null at a clean EOF. */
  static Reply read(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      head.append((char) c);
      if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
        break;
      }
    }
    if (c < 0) {
      if (head.isEmpty()) {
        return null;
      }
      throw new IOException("truncated reply: " + head);
    }
    Matcher len = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
    int n = len.find() ? Integer.parseInt(len.group(1)) : 0;
    byte[] body = in.readNBytes(n);
    int status = Integer.parseInt(head.substring(9, 12));
    return new Reply(status, head.toString(), new String(body, StandardCharsets.UTF_8));
  }

  static InetAddress loopback(int last) throws IOException {
    return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
  }
}
