package dev.gretun.coord;

import dev.gretun.coord.cli.CliValues;
import dev.gretun.coord.cli.CoordOptions;
import dev.gretun.coord.cli.KeysCommand;
import dev.gretun.coord.cli.NodesCommand;
import dev.gretun.coord.http.CoordServer;
import dev.gretun.coord.store.CoordStore;
import dev.gretun.coord.store.IpPool;
import dev.gretun.coord.store.SqliteCoordStore;
import dev.gretun.coord.stun.StunService;
import dev.gretun.coord.stun.StunServices;
import dev.gretun.core.BuildInfo;
import dev.gretun.core.GretunException;
import dev.gretun.core.os.ErrnoException;
import dev.gretun.core.os.SdNotify;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gretun-coord}: without a subcommand it runs the rendezvous server (registry, signal relay,
 * STUN); {@code keys} and {@code nodes} administer the same state directory.
 */
@Command(
    name = "gretun-coord",
    mixinStandardHelpOptions = true,
    versionProvider = CoordCommand.Version.class,
    description = {
      "gretun coordinator: node registry, sealed signal relay and STUN server.",
      "Without a subcommand, serves the HTTP API until SIGTERM/SIGINT."
    },
    subcommands = {KeysCommand.class, NodesCommand.class},
    footer = {"", "Exit codes: 0 ok, 1 runtime failure, 2 usage error."})
public final class CoordCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(CoordCommand.class);

  /** Read for defaults when it exists and no --config is given (docs/CONFIG.md). */
  public static final Path DEFAULT_CONFIG = Path.of("/etc/gretun/coord.conf");

  @Mixin CoordOptions options;

  @Mixin RelayOptions relayOptions;

  @Mixin ConnectionOptions connectionOptions;

  @Mixin TlsOptions tlsOptions;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Configuration file: 'key = value' lines, keys are the long options without '--';"
              + " flags override it (default: /etc/gretun/coord.conf when it exists).")
  Path config;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      defaultValue = ":8443",
      converter = CliValues.HostPortConverter.class,
      description =
          "Listen address: HTTPS, or HTTP with --insecure-http (default: ${DEFAULT-VALUE}).")
  InetSocketAddress listen;

  @Option(
      names = "--pool",
      paramLabel = "CIDR",
      defaultValue = "100.64.0.0/24",
      description = "IPv4 tunnel address pool (default: ${DEFAULT-VALUE}).")
  String pool;

  @Option(
      names = "--stun-listen",
      paramLabel = "HOST:PORT|off",
      split = ",", // a config file key appears once: "stun-listen = A:3478,B:3478"
      description =
          "UDP address of the built-in STUN server, which also answers on PORT+1 (RFC 5780"
              + " change-port); give it twice (or comma-separated), with two addresses of this"
              + " host, to let nodes tell address-dependent filtering; or 'off' (default: :3478).")
  List<String> stunListen = List.of();

  @Option(
      names = "--stun-advertise",
      paramLabel = "HOST:PORT",
      split = ",",
      description =
          "STUN servers named in register replies (default: the STUN listen address, or the host"
              + " nodes used to reach this coordinator).")
  List<String> stunAdvertise = List.of();

  @Option(
      names = "--no-auth-keys",
      description = "Let any node register without a join key (insecure; for labs only).")
  boolean noAuthKeys;

  @Option(
      names = "--admin-token-file",
      paramLabel = "FILE",
      description =
          "File holding a token (>= 16 chars) that /debug/peers requires as 'Authorization:"
              + " Bearer TOKEN'; without it /debug/peers is refused to every client.")
  Path adminTokenFile;

  @Option(
      names = "--long-poll",
      paramLabel = "DURATION",
      defaultValue = "25s",
      converter = CliValues.DurationConverter.class,
      description = "How long /v1/peers and /v1/signal hold a request (default: ${DEFAULT-VALUE}).")
  Duration longPoll;

  @Option(
      names = "--sync",
      paramLabel = "full|normal",
      defaultValue = "full",
      description =
          "Store durability: full = fsync every commit (default); normal = no fsync, survives a"
              + " killed process but not a power loss.")
  SqliteCoordStore.Sync sync;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    CoordConfig config = config();
    if (!config.tls().enabled()) {
      LOG.warn(
          "insecure_http listen={} note=\"--insecure-http: plain HTTP, peer lists and tunnel"
              + " addresses travel in clear\"",
          config.listen());
    }
    CoordStore store = options.openServerStore(sync);
    announceJoinKeys(store, config);
    StunService stun;
    CoordServer server;
    try {
      stun = StunServices.start(config.stunListen());
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    try {
      server = CoordServer.start(config, store, stun, InstantSource.system());
    } catch (RuntimeException e) {
      stun.close();
      store.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    SdNotify systemd = SdNotify.fromEnvironment();
    Runtime.getRuntime()
        .addShutdownHook(
            Thread.ofPlatform()
                .name("coord-shutdown")
                .unstarted(
                    () -> {
                      notify(systemd, false);
                      server.close();
                      stopped.countDown();
                    }));
    LOG.info(
        "coord_listening addr={} metrics={} transport={} pool={} store={} stun={} relay={}"
            + " join_keys={} version={}",
        server.address(),
        server.metricsAddress() == null ? "off" : server.metricsAddress(),
        server.transport(),
        config.pool(),
        options.storeText(),
        config.stunListen().isEmpty() ? "off" : config.stunListen(),
        server.relayAddress() == null ? "off" : server.relayAddress(),
        config.requireJoinKeys() ? "required" : "DISABLED",
        BuildInfo.current().version());
    notify(systemd, true);
    stopped.await();
    return 0;
  }

  /** Tells systemd (Type=notify) that the coordinator listens, or that it is stopping. */
  private static void notify(SdNotify systemd, boolean ready) {
    try {
      if (ready) {
        systemd.ready("listening");
      } else {
        systemd.stopping();
      }
    } catch (ErrnoException | RuntimeException e) {
      LOG.warn("sd_notify_failed socket=$NOTIFY_SOCKET error=\"{}\"", e.getMessage());
    }
  }

  private void announceJoinKeys(CoordStore store, CoordConfig config) {
    if (!config.requireJoinKeys()) {
      LOG.warn(
          "join_keys_disabled note=\"--no-auth-keys: ANY node that can reach this coordinator may"
              + " register and get a tunnel address\"");
      return;
    }
    Instant now = Instant.now();
    boolean anyValid = store.joinKeys().stream().anyMatch(k -> k.status(now).equals("valid"));
    if (!anyValid && store.nodes().isEmpty()) {
      LOG.info(
          "no_join_keys note=\"nodes need a join key to register; create one with: gretun-coord"
              + " keys create --store {}\"",
          options.storeText());
    }
  }

  CoordConfig config() {
    IpPool ipPool;
    try {
      ipPool = IpPool.parse(pool);
    } catch (IllegalArgumentException e) {
      throw usage("--pool: " + e.getMessage());
    }
    List<InetSocketAddress> stun = stunListen();
    for (String a : stunAdvertise) {
      if (!a.matches("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):\\d{1,5}")) {
        throw usage("--stun-advertise: '" + a + "' must be HOST:PORT");
      }
    }
    if (longPoll.isZero() || longPoll.compareTo(Duration.ofMinutes(5)) > 0) {
      throw usage("--long-poll must be between 1ms and 5m");
    }
    return new CoordConfig(
        listen,
        ipPool,
        options.stateDir(),
        !noAuthKeys,
        longPoll,
        stun,
        List.copyOf(stunAdvertise),
        adminToken(),
        CoordConfig.Limits.defaults().withConnections(connectionOptions.connections(this::usage)),
        connectionOptions.metricsListen(this::usage),
        tlsOptions.tls(this::usage),
        relayOptions.settings(this::usage));
  }

  private List<InetSocketAddress> stunListen() {
    List<String> given = stunListen.isEmpty() ? List.of(":3478") : stunListen;
    if (given.stream().anyMatch(s -> s.equalsIgnoreCase("off"))) {
      if (given.size() > 1) {
        throw usage("--stun-listen off cannot be combined with addresses");
      }
      return List.of();
    }
    if (given.size() > 2) {
      throw usage("--stun-listen may be given at most twice (two addresses of this host)");
    }
    var out = new java.util.ArrayList<InetSocketAddress>();
    for (String s : given) {
      InetSocketAddress a;
      try {
        a = CliValues.hostPort(s);
      } catch (CommandLine.TypeConversionException e) {
        throw usage("--stun-listen: " + e.getMessage() + " or 'off'");
      }
      if (a.getPort() == 0 || a.getPort() == 65535) {
        throw usage("--stun-listen: port must be 1..65534 (PORT+1 is served too)");
      }
      out.add(a);
    }
    if (out.size() == 2
        && (out.get(0).getAddress().equals(out.get(1).getAddress())
            || out.get(0).getAddress().isAnyLocalAddress()
            || out.get(1).getAddress().isAnyLocalAddress())) {
      throw usage("--stun-listen twice needs two different, specific addresses of this host");
    }
    return List.copyOf(out);
  }

  private String adminToken() {
    if (adminTokenFile == null) {
      return null;
    }
    String token;
    try {
      token = Files.readString(adminTokenFile, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new GretunException(
          "admin_token",
          "cannot read --admin-token-file " + adminTokenFile + ": " + e.getMessage());
    }
    if (token.length() < 16) {
      throw new GretunException(
          "admin_token", "admin token in " + adminTokenFile + " must be at least 16 characters");
    }
    return token;
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  /** {@code --version} text. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"gretun-coord " + BuildInfo.current().version()};
    }
  }
}
