package dev.gretun.e2e.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.e2e.Launchers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One running netns NAT lab ({@code lab/lab.sh}, docs/LAB.md) with a fresh namespace prefix. {@link
 * #close()} (also run by a JVM shutdown hook) kills every process in the lab and removes its
 * namespaces; labs left by dead JVMs are removed when a new one comes up.
 */
public final class Lab implements AutoCloseable {
  public static final String INET = "inet";
  public static final String NAT1 = "nat1";
  public static final String NAT2 = "nat2";
  public static final String A = "a";
  public static final String A2 = "a2";
  public static final String B = "b";
  public static final String PUB = "pub";

  /** Every lab's namespaces start with this (lab.sh's GLOBAL). */
  public static final String GLOBAL_PREFIX = "gtl-";

  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path script;
  private final String prefix;
  private final Thread shutdownHook;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final List<LabProcess> processes = new ArrayList<>();
  private Path logDir;

  private Lab(Path script, String prefix) {
    this.script = script;
    this.prefix = prefix;
    this.logDir = Path.of("target", "lab-logs", prefix).toAbsolutePath();
    this.shutdownHook = new Thread(this::down, "lab-down-" + prefix);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** The lab script of this source tree. */
  public static Path script() {
    return Launchers.ROOT.resolve("lab").resolve("lab.sh");
  }

  /** Removes stale labs (owner process gone), then brings up a lab owned by this JVM. */
  public static Lab up() throws IOException, InterruptedException {
    Path script = script();
    ok(run(List.of(script.toString(), "clean-stale"), Map.of()), "lab.sh clean-stale");
    Launchers.Result r =
        ok(
            run(
                List.of(script.toString(), "up"),
                Map.of("LAB_OWNER", Long.toString(ProcessHandle.current().pid()))),
            "lab.sh up");
    String prefix = r.stdout().strip();
    if (!prefix.startsWith(GLOBAL_PREFIX)) {
      throw new IllegalStateException("lab.sh up printed no prefix: " + r.stdout() + r.stderr());
    }
    return new Lab(script, prefix);
  }

  /** Names of the namespaces (from {@code ip netns list}) that belong to a lab prefix. */
  public static List<String> namespaces(String prefix) throws IOException, InterruptedException {
    Launchers.Result r = ok(run(List.of("ip", "netns", "list"), Map.of()), "ip netns list");
    return r.stdout()
        .lines()
        .map(l -> l.split(" ", 2)[0])
        .filter(n -> n.startsWith(prefix + "-"))
        .toList();
  }

  public String prefix() {
    return prefix;
  }

  /** The namespace name of a node ({@code PREFIX-NODE}). */
  public String namespace(String node) {
    return prefix + "-" + node;
  }

  /** A node's address: hosts their LAN address, NATs their WAN address, pub 192.0.2.10. */
  public String addr(String node) throws IOException, InterruptedException {
    return script("addr", node).stdout().strip();
  }

  /** A node's other address: {@code addr(nat1, "lan")}, {@code addr(pub, "alt")}. */
  public String addr(String node, String which) throws IOException, InterruptedException {
    return script("addr", node, which).stdout().strip();
  }

  /** Runs {@code lab.sh --prefix P ARGS} and fails unless it exits 0. */
  public Launchers.Result script(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(script.toString(), "--prefix", prefix));
    cmd.addAll(List.of(args));
    return ok(run(cmd, Map.of()), "lab.sh " + String.join(" ", args));
  }

  /** Runs a command inside a node to completion (at most 60 s); the caller checks the exit. */
  public Launchers.Result exec(String node, String... command)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace(node)));
    cmd.addAll(List.of(command));
    return run(cmd, Map.of());
  }

  public void nat(String natNode, NatMode mode) throws IOException, InterruptedException {
    script("nat", natNode, mode.scriptName());
  }

  public NatMode natMode(String natNode) throws IOException, InterruptedException {
    return NatMode.valueOf(
        script("nat", natNode).stdout().strip().toUpperCase(java.util.Locale.ROOT));
  }

  /** Sets a NAT's UDP conntrack timeouts (seconds): unreplied and assured (stream). */
  public void timeouts(String natNode, int unrepliedSeconds, int assuredSeconds)
      throws IOException, InterruptedException {
    script(
        "timeouts", natNode, Integer.toString(unrepliedSeconds), Integer.toString(assuredSeconds));
  }

  /** Forwards {@code proto} (udp|tcp) public port of a NAT to {@code host:port} behind it. */
  public void forward(String natNode, String proto, int publicPort, String host, int port)
      throws IOException, InterruptedException {
    script("forward", natNode, proto, Integer.toString(publicPort), host, Integer.toString(port));
  }

  /** Flushes conntrack (and the cone map) of the given nodes, or of every node. */
  public void flush(String... nodes) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("flush"));
    args.addAll(List.of(nodes));
    script(args.toArray(String[]::new));
  }

  /** The internet router's counters ({@code lab.sh counters}, format in docs/LAB.md). */
  public JsonNode counters() throws IOException, InterruptedException {
    return JSON.readTree(script("counters").stdout());
  }

  /** {@code conntrack -L -p udp} lines of a node. */
  public List<String> conntrackUdp(String node) throws IOException, InterruptedException {
    return ok(exec(node, "conntrack", "-L", "-p", "udp"), "conntrack -L").stdout().lines().toList();
  }

  /** Sets the directory for logs of processes started from now on (one per test). */
  public void logDir(Path dir) {
    this.logDir = dir.toAbsolutePath();
  }

  public Path logDir() {
    return logDir;
  }

  /** Starts any command inside a node; it is killed at {@link #closeProcesses()} or close. */
  public LabProcess start(String node, String name, List<String> command) throws IOException {
    return track(LabProcess.start(namespace(node), name, new ProcessBuilder(command), logDir));
  }

  /** Starts {@code bin/gretun ARGS} (the jars this build shaded) inside a node. */
  public LabProcess startGretun(String node, String name, String... args) throws IOException {
    return startGretun(node, name, Map.of(), args);
  }

  /** {@link #startGretun(String, String, String...)} with extra environment variables. */
  public LabProcess startGretun(String node, String name, Map<String, String> env, String... args)
      throws IOException {
    ProcessBuilder pb = Launchers.builder("gretun", args);
    pb.environment().putAll(env);
    return track(LabProcess.start(namespace(node), name, pb, logDir));
  }

  /** Starts {@code bin/gretun-coord ARGS} inside a node. */
  public LabProcess startCoord(String node, String name, String... args) throws IOException {
    return track(
        LabProcess.start(namespace(node), name, Launchers.builder("gretun-coord", args), logDir));
  }

  /** Starts a main class of the test classpath on this JVM's Java inside a node. */
  public LabProcess startJava(String node, String name, Class<?> main, String... args)
      throws IOException {
    return start(node, name, javaCommand(main, args));
  }

  /** Runs a main class of the test classpath inside a node to completion. */
  public Launchers.Result runJava(String node, Class<?> main, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace(node)));
    cmd.addAll(javaCommand(main, args));
    return run(cmd, Map.of());
  }

  private static List<String> javaCommand(Class<?> main, String... args) {
    String classes;
    try {
      classes =
          Path.of(main.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                classes,
                main.getName()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private synchronized LabProcess track(LabProcess p) {
    processes.add(p);
    return p;
  }

  /** Processes started since the last {@link #closeProcesses()}. */
  public synchronized List<LabProcess> processes() {
    return List.copyOf(processes);
  }

  /** Kills every process started through this lab so far. */
  public synchronized void closeProcesses() {
    processes.forEach(LabProcess::close);
    processes.clear();
  }

  /** Kills the lab's processes and removes its namespaces; safe to call twice. */
  @Override
  public void close() {
    down();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down and runs the hook itself
    }
  }

  private void down() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closeProcesses();
    try {
      ok(run(List.of(script.toString(), "--prefix", prefix, "down"), Map.of()), "lab.sh down");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while removing lab " + prefix, e);
    }
  }

  private static Launchers.Result ok(Launchers.Result r, String what) {
    if (r.exit() != 0) {
      throw new IllegalStateException(
          what + " failed (exit " + r.exit() + "): " + r.stderr().strip() + r.stdout().strip());
    }
    return r;
  }

  /** Runs a command to completion (bounded by COMMAND_TIMEOUT), capturing both streams. */
  static Launchers.Result run(List<String> command, Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<String> out = readers.submit(() -> text(p.getInputStream()));
      Future<String> err = readers.submit(() -> text(p.getErrorStream()));
      if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new IllegalStateException("timed out after " + COMMAND_TIMEOUT + ": " + command);
      }
      return new Launchers.Result(
          p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("reading output of " + command, e);
    }
  }

  private static String text(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }
}
