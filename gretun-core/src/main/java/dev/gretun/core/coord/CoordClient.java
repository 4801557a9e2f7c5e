package dev.gretun.core.coord;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.coord.CoordWire.Ack;
import dev.gretun.core.coord.CoordWire.Endpoint;
import dev.gretun.core.coord.CoordWire.EndpointsRequest;
import dev.gretun.core.coord.CoordWire.Envelope;
import dev.gretun.core.coord.CoordWire.ErrorBody;
import dev.gretun.core.coord.CoordWire.PeersResponse;
import dev.gretun.core.coord.CoordWire.RegisterRequest;
import dev.gretun.core.coord.CoordWire.RegisterResponse;
import dev.gretun.core.coord.CoordWire.SignalRequest;
import dev.gretun.core.coord.CoordWire.SignalsResponse;
import dev.gretun.core.crypto.X25519;
import dev.gretun.core.keys.Ed25519Keys;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's side of the coordinator HTTP API: signs every request with the node key, and
 * registers again on its own when the coordinator answers {@code unknown_node} (it lost its state
 * or an operator removed us). Thread-safe; long-poll loops live in {@link CoordWatch}.
 */
public final class CoordClient implements AutoCloseable {
  private static final ObjectMapper JSON = CoordWire.mapper();
  private static final Logger LOG = LoggerFactory.getLogger(CoordClient.class);

  /** What this client reads: every answer it parses ({@link #prefetchJson}). */
  private static final List<Class<?>> ANSWERS =
      List.of(
          RegisterResponse.class,
          PeersResponse.class,
          SignalsResponse.class,
          Ack.class,
          CoordWire.SignalAck.class,
          ErrorBody.class);

  /** What this client writes. */
  private static final List<Class<?>> REQUESTS =
      List.of(RegisterRequest.class, EndpointsRequest.class, SignalRequest.class);

  /** Added to the server's hold for a long-poll's timeout; see {@link Config#of}. */
  static final Duration LONG_POLL_MARGIN = Duration.ofSeconds(3);

  /**
   * Static facts of this node. {@code coordinators}: the base URLs of the coordinator's replicas,
   * tried in order ({@link CoordFailover}). {@code joinKey} may be null when the coordinator does
   * not require one or the node is already registered. {@code longPollMargin} is added to the
   * server's hold time for the request timeout. {@code tls} null = the system trust store for an
   * {@code https} base URI; else the context to verify the coordinator with (see {@link
   * CoordTrust}).
   */
  public record Config(
      List<URI> coordinators,
      KeyPair nodeKey,
      byte[] discoKey,
      String nodeName,
      String joinKey,
      InstantSource clock,
      Duration connectTimeout,
      Duration requestTimeout,
      Duration longPollMargin,
      SSLContext tls) {
    public Config {
      if (coordinators == null || coordinators.isEmpty()) {
        throw new IllegalArgumentException("no coordinator URL");
      }
      coordinators = List.copyOf(coordinators);
      Objects.requireNonNull(nodeKey, "nodeKey");
      if (discoKey == null || discoKey.length != X25519.KEY_BYTES) {
        throw new IllegalArgumentException("disco key must be 32 bytes");
      }
      discoKey = discoKey.clone();
    }

    /**
     * Defaults: system clock, 10 s connect, 15 s per plain request, 3 s long-poll margin. The JDK
     * client counts the TLS handshake in the connect time, and a first handshake in a cold JVM on a
     * busy host takes seconds. The margin is short because a long-poll whose TCP mapping our NAT
     * dropped (a flush, a NAT reboot) hangs until this timeout: the JDK client has no TCP
     * keepalive, so hold + margin is how late a quiet node hears of a peer's loss (docs/DAEMON.md,
     * "Recovery after a NAT flush"). A poll that does time out is simply sent again.
     */
    public static Config of(
        URI baseUri, KeyPair nodeKey, byte[] discoKey, String nodeName, String joinKey) {
      return of(List.of(baseUri), nodeKey, discoKey, nodeName, joinKey, InstantSource.system());
    }

    /** The defaults with several coordinator replicas, tried in this order. */
    public static Config of(
        List<URI> coordinators, KeyPair nodeKey, byte[] discoKey, String nodeName, String joinKey) {
      return of(coordinators, nodeKey, discoKey, nodeName, joinKey, InstantSource.system());
    }

    /** The defaults with another wall clock (it stamps signed requests; tests fake it). */
    public static Config of(
        URI baseUri,
        KeyPair nodeKey,
        byte[] discoKey,
        String nodeName,
        String joinKey,
        InstantSource clock) {
      return of(List.of(baseUri), nodeKey, discoKey, nodeName, joinKey, clock);
    }

    /** Several replicas with another wall clock. */
    public static Config of(
        List<URI> coordinators,
        KeyPair nodeKey,
        byte[] discoKey,
        String nodeName,
        String joinKey,
        InstantSource clock) {
      return new Config(
          coordinators,
          nodeKey,
          discoKey,
          nodeName,
          joinKey,
          clock,
          Duration.ofSeconds(10),
          Duration.ofSeconds(15),
          LONG_POLL_MARGIN,
          null);
    }

    /** The same configuration verifying the coordinator's certificate with {@code tls}. */
    public Config withTls(SSLContext tls) {
      return new Config(
          coordinators,
          nodeKey,
          discoKey,
          nodeName,
          joinKey,
          clock,
          connectTimeout,
          requestTimeout,
          longPollMargin,
          tls);
    }
  }

  private final Config config;
  private final CoordFailover failover;
  private final HttpClient http;
  private final SecureRandom random = new SecureRandom();
  private final String nodeKeyB64;
  private volatile RegisterResponse registration;
  private volatile int registrations;

  public CoordClient(Config config) {
    this.config = config;
    this.failover = new CoordFailover(config.coordinators());
    this.nodeKeyB64 = CoordWire.b64(Ed25519Keys.rawPublic(config.nodeKey().getPublic()));
    HttpClient.Builder http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(config.connectTimeout());
    if (config.tls() != null) {
      http.sslContext(config.tls());
    } else if (CoordTrust.allPlainHttp(config.coordinators())) {
      http.sslContext(CoordTrust.trustNothing());
    }
    this.http = http.build();
  }

  /**
   * Builds and caches the JSON readers and writers of every message this client exchanges. Jackson
   * introspects a type at its first use, ~100 ms per record type in a fresh JVM, and a starting
   * daemon would pay that on its way to a tunnel (parsing the registration, the first peer list);
   * {@code gretun up} runs this on a spare thread while it loads its keys and registers
   * (docs/BENCH.md, "Connect time: where a start's time goes").
   */
  public static void prefetchJson() {
    for (Class<?> t : ANSWERS) {
      JSON.readerFor(t); // eager: the reader finds and caches the type's deserializer
    }
    for (Class<?> t : REQUESTS) {
      JSON.writerFor(t);
    }
  }

  /** Our node key in wire form (base64 of the raw 32 bytes). */
  public String nodeKey() {
    return nodeKeyB64;
  }

  /** The coordinator URL requests go to now (the first until a failover). */
  public URI coordinator() {
    return failover.current();
  }

  /** Registers (or refreshes the registration of) this node. */
  public RegisterResponse register() throws IOException, InterruptedException {
    RegisterRequest req =
        new RegisterRequest(config.nodeName(), CoordWire.b64(config.discoKey()), config.joinKey());
    RegisterResponse r =
        send("POST", "/v1/register", body(req), config.requestTimeout(), RegisterResponse.class);
    registration = r;
    registrations++;
    return r;
  }

  /** The last successful registration, or null before the first. */
  public RegisterResponse registration() {
    return registration;
  }

  /** How many times {@link #register} succeeded (re-registrations included). */
  public int registrations() {
    return registrations;
  }

  /** Replaces our endpoint list and NAT type (wire name) on the coordinator. */
  public Ack postEndpoints(List<Endpoint> endpoints, String nat)
      throws IOException, InterruptedException {
    return callRegistered(
        "POST", "/v1/endpoints", body(new EndpointsRequest(endpoints, nat)), false, Ack.class);
  }

  /**
   * One peers request. With the current cursor the server holds the request until something changes
   * or its long-poll time passes; with null or an unknown cursor it answers at once with the full
   * list.
   */
  public PeersResponse peers(String cursor) throws IOException, InterruptedException {
    String path =
        cursor == null || cursor.isEmpty()
            ? "/v1/peers"
            : "/v1/peers?cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8);
    return callRegistered("GET", path, new byte[0], true, PeersResponse.class);
  }

  /** Queues a sealed envelope for the node whose disco or node key is {@code to}. */
  public void sendSignal(byte[] to, byte[] sealed) throws IOException, InterruptedException {
    SignalRequest req =
        new SignalRequest(CoordWire.b64(to), Base64.getEncoder().encodeToString(sealed));
    callRegistered("POST", "/v1/signal", body(req), false, CoordWire.SignalAck.class);
  }

  /** Takes the envelopes queued for us, waiting up to the long-poll time when none are queued. */
  public List<Envelope> pullSignals() throws IOException, InterruptedException {
    return callRegistered("GET", "/v1/signal", new byte[0], true, SignalsResponse.class)
        .envelopes();
  }

  private <T> T callRegistered(
      String method, String path, byte[] body, boolean longPoll, Class<T> type)
      throws IOException, InterruptedException {
    Duration timeout = longPoll ? longPollTimeout() : config.requestTimeout();
    try {
      return send(method, path, body, timeout, type);
    } catch (CoordException e) {
      if (!e.unknownNode()) {
        throw e;
      }
      register();
      return send(method, path, body, timeout, type);
    }
  }

  private Duration longPollTimeout() {
    RegisterResponse r = registration;
    int hold = r == null ? 25 : r.longPollSeconds();
    return Duration.ofSeconds(hold).plus(config.longPollMargin());
  }

  private <T> T send(String method, String target, byte[] body, Duration timeout, Class<T> type)
      throws IOException, InterruptedException {
    return failover.call(base -> sendTo(base, method, target, body, timeout, type));
  }

  /** One signed request to one replica; signed again for each, as the Host header differs. */
  private <T> T sendTo(
      URI base, String method, String target, byte[] body, Duration timeout, Class<T> type)
      throws IOException, InterruptedException {
    long started = System.nanoTime();
    long now = config.clock().instant().getEpochSecond();
    byte[] nonceRaw = new byte[RequestAuth.NONCE_BYTES];
    random.nextBytes(nonceRaw);
    String nonce = Base64.getEncoder().encodeToString(nonceRaw);
    URI uri = base.resolve(target);
    byte[] sig =
        RequestAuth.sign(
            config.nodeKey().getPrivate(),
            now,
            nonce,
            method,
            RequestAuth.hostHeader(uri),
            target,
            body);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header(RequestAuth.HEADER_NODE, nodeKeyB64)
            .header(RequestAuth.HEADER_TIMESTAMP, Long.toString(now))
            .header(RequestAuth.HEADER_NONCE, nonce)
            .header(
                RequestAuth.HEADER_AUTHORIZATION,
                RequestAuth.SCHEME + Base64.getEncoder().encodeToString(sig));
    if (method.equals("GET")) {
      b.GET();
    } else {
      b.header("Content-Type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    }
    long signed = System.nanoTime();
    HttpResponse<byte[]> resp = exchange(base, b.build());
    if (resp.statusCode() != 200) {
      throw error(resp);
    }
    T answer = JSON.readValue(resp.body(), type);
    if (LOG.isDebugEnabled()) {
      long done = System.nanoTime();
      LOG.debug(
          "coord_request method={} path={} status={} ms={} sign_ms={}",
          method,
          uri.getPath(),
          resp.statusCode(),
          (done - started) / 1_000_000,
          (signed - started) / 1_000_000);
    }
    return answer;
  }

  private HttpResponse<byte[]> exchange(URI base, HttpRequest request)
      throws IOException, InterruptedException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (SSLException e) {
      throw new CoordTlsException(base, e);
    }
  }

  private static CoordException error(HttpResponse<byte[]> resp) {
    try {
      ErrorBody e = JSON.readValue(resp.body(), ErrorBody.class);
      return new CoordException(
          resp.statusCode(), e.code() == null ? "unknown" : e.code(), String.valueOf(e.error()));
    } catch (IOException notJson) {
      return new CoordException(resp.statusCode(), "http_" + resp.statusCode(), "non-JSON reply");
    }
  }

  private static byte[] body(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
