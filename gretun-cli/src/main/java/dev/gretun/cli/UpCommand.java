package dev.gretun.cli;

import dev.gretun.cmd.CliSupport;
import dev.gretun.core.GretunException;
import dev.gretun.core.daemon.Daemon;
import dev.gretun.core.daemon.DaemonConfig;
import dev.gretun.core.daemon.DataplaneMode;
import dev.gretun.core.keys.KeyStore;
import dev.gretun.core.os.ErrnoException;
import dev.gretun.core.os.SdNotify;
import dev.gretun.core.util.Durations;
import dev.gretun.core.util.HostPort;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code gretun up}: run the overlay daemon in the foreground until SIGTERM/SIGINT. */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = {
      "Join the overlay: register with the coordinator, punch through NATs to every peer and carry",
      "the traffic. Runs in the foreground; SIGTERM/SIGINT remove everything it created."
    })
final class UpCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(UpCommand.class);

  /** Read for defaults when it exists and no --config is given (docs/CONFIG.md). */
  static final Path DEFAULT_CONFIG = Path.of("/etc/gretun/gretun.conf");

  @ParentCommand GretunRoot parent;
  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Configuration file: 'key = value' lines, keys are the long options without '--';"
              + " flags override it (default: /etc/gretun/gretun.conf when it exists).")
  Path config;

  @Option(
      names = "--coordinator",
      required = true,
      paramLabel = "URL[,URL...]",
      description =
          "gretun-coord base URL, e.g. https://coord.example:8443; several replicas on one"
              + " database as a comma list, tried in order (the next one when a replica does not"
              + " answer).")
  String coordinator;

  @Option(
      names = "--coordinator-ca",
      paramLabel = "FILE",
      description =
          "PEM file with the CA certificate(s) that signed the coordinator's certificate; only"
              + " these are trusted (default: the system trust store).")
  Path coordinatorCa;

  @Option(
      names = "--insecure-http",
      description =
          "Allow an http:// --coordinator: peer lists travel in clear (labs only; logged at WARN).")
  boolean insecureHttp;

  @Option(
      names = "--auth-key",
      paramLabel = "KEY",
      description = "Join key from 'gretun-coord keys create' (or env GRETUN_AUTH_KEY).")
  String authKey;

  @Option(
      names = "--auth-key-file",
      paramLabel = "FILE",
      description = "Read the join key from FILE (keeps it out of 'ps').")
  Path authKeyFile;

  @Option(
      names = "--hostname",
      paramLabel = "NAME",
      description = "Name shown to peers (default: host name).")
  String hostname;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description = "Where the node keys live (default: ${DEFAULT-VALUE}).")
  Path stateDir = KeyStore.DEFAULT_STATE_DIR;

  @Option(
      names = "--port",
      paramLabel = "P",
      description = "The one UDP port for STUN, disco and data (default: ${DEFAULT-VALUE}).")
  int port = DaemonConfig.DEFAULT_PORT;

  @Option(
      names = "--dataplane",
      paramLabel = "MODE",
      description = "auto, kernel or userspace (default: ${DEFAULT-VALUE}).")
  DataplaneMode dataplane = DataplaneMode.AUTO;

  @Option(
      names = "--tun-name",
      paramLabel = "NAME",
      description = "TUN device of the userspace data plane (default: ${DEFAULT-VALUE}).")
  String tunName = DaemonConfig.DEFAULT_TUN;

  @Option(
      names = "--control-socket",
      paramLabel = "PATH",
      description = "Unix socket for 'gretun peers' (default: ${DEFAULT-VALUE}).")
  Path localApiSocket = Path.of(DaemonConfig.DEFAULT_LOCAL_API_SOCKET);

  @Option(
      names = "--metrics-addr",
      paramLabel = "HOST:PORT",
      description = "Serve Prometheus metrics on http://HOST:PORT/metrics.")
  String metricsAddr;

  @Option(
      names = "--opener-ttl",
      paramLabel = "TTL",
      description = "IP TTL of the low-TTL opener's first pings (default: ${DEFAULT-VALUE}).")
  int openerTtl = DaemonConfig.DEFAULT_OPENER_TTL;

  @Option(
      names = "--punch-timeout",
      paramLabel = "DURATION",
      description = "Give up punching after this long and report no_path (default: 10s).")
  String punchTimeout = "10s";

  @Option(
      names = "--aggressive-punch",
      description =
          "Birthday punch between an easy and a hard (symmetric) NAT instead of the relay; both"
              + " nodes need it (userspace data plane only).")
  boolean aggressivePunch;

  @Override
  public Integer call() throws Exception {
    DaemonConfig config = config();
    Daemon daemon = new Daemon(config);
    SdNotify systemd = SdNotify.fromEnvironment();
    Thread hook =
        Thread.ofPlatform()
            .unstarted(
                () -> {
                  notify(systemd, false);
                  daemon.close();
                });
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      daemon.start();
    } catch (RuntimeException | java.io.IOException e) {
      daemon.close();
      throw e;
    }
    notify(systemd, true);
    daemon.awaitStop();
    return 0;
  }

  /** Tells systemd (Type=notify) that the node is up, or that it is stopping. */
  private static void notify(SdNotify systemd, boolean ready) {
    try {
      if (ready) {
        systemd.ready("node up");
      } else {
        systemd.stopping();
      }
    } catch (ErrnoException | RuntimeException e) {
      LOG.warn("sd_notify_failed socket=$NOTIFY_SOCKET error=\"{}\"", e.getMessage());
    }
  }

  private DaemonConfig config() {
    try {
      InetSocketAddress metrics = metricsAddr == null ? null : HostPort.parse(metricsAddr);
      return new DaemonConfig(
          DaemonConfig.parseCoordinators(coordinator),
          authKey(),
          hostname == null ? InetAddress.getLocalHost().getHostName() : hostname,
          stateDir,
          port,
          dataplane,
          tunName,
          localApiSocket,
          metrics,
          openerTtl,
          Durations.parsePositive(punchTimeout),
          coordinatorCa,
          insecureHttp,
          aggressivePunch);
    } catch (IllegalArgumentException e) {
      throw CliSupport.usageError(spec.commandLine(), e.getMessage());
    } catch (java.net.UnknownHostException e) {
      throw CliSupport.usageError(spec.commandLine(), "cannot read the host name: pass --hostname");
    }
  }

  private String authKey() {
    if (authKey != null && authKeyFile != null) {
      throw new IllegalArgumentException("use --auth-key or --auth-key-file, not both");
    }
    if (authKeyFile != null) {
      try {
        return Files.readString(authKeyFile).strip();
      } catch (java.io.IOException e) {
        throw new GretunException(
            "auth_key_file", "cannot read " + authKeyFile + ": " + e.getMessage());
      }
    }
    if (authKey != null) {
      return authKey;
    }
    String env = System.getenv("GRETUN_AUTH_KEY");
    return env == null || env.isBlank() ? null : env.strip();
  }
}
