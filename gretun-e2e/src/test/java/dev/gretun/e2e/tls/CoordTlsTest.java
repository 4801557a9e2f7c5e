package dev.gretun.e2e.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.coord.CoordClient;
import dev.gretun.core.coord.CoordTlsException;
import dev.gretun.core.coord.CoordWire.RegisterResponse;
import dev.gretun.core.coord.TestCa;
import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.e2e.Launchers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code gretun-coord} process serving HTTPS with a certificate from a test CA, on loopback.
 */
class CoordTlsTest {
  private static final String LOOPBACK = "127.0.0.1";
  @TempDir Path dir;
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void nodeRegistersOverHttpsWithItsPrivateCaAndRefusesAnyOtherCertificate() throws Exception {
    CoordTlsFiles tls = CoordTlsFiles.create(dir.resolve("tls"), LOOPBACK);
    int port = startCoord(tls.coordArgs());
    URI https = URI.create("https://" + LOOPBACK + ":" + port);

    try (CoordClient node = client(https, tls.clientContext())) {
      RegisterResponse r = node.register();
      assertNotNull(r.tunnelIp());
    }

    SSLContext otherCa = TestCa.create("someone else's CA").clientContext(dir);
    try (CoordClient node = client(https, otherCa)) {
      CoordTlsException e = assertThrows(CoordTlsException.class, node::register);
      assertTrue(
          e.getMessage().startsWith("TLS handshake with 127.0.0.1:" + port + " failed"),
          e.getMessage());
      assertTrue(e.getMessage().contains("--coordinator-ca"), e.getMessage());
    }
    // The system trust store does not know the test CA either.
    try (CoordClient node = client(https, null)) {
      assertTrue(
          assertThrows(CoordTlsException.class, node::register)
              .getMessage()
              .contains("not signed by a trusted CA"));
    }
    // Host name verification is on: the certificate names 127.0.0.1, not localhost.
    try (CoordClient node = client(URI.create("https://localhost:" + port), tls.clientContext())) {
      assertTrue(
          assertThrows(CoordTlsException.class, node::register)
              .getMessage()
              .contains("does not name this host"));
    }
  }

  @Test
  void onlyTls13IsSpokenAndPlainHttpGetsNoAnswer() throws Exception {
    CoordTlsFiles tls = CoordTlsFiles.create(dir.resolve("tls"), LOOPBACK);
    int port = startCoord(tls.coordArgs());
    SSLContext trusting = tls.clientContext();

    try (SSLSocket s = connect(trusting, port, "TLSv1.3")) {
      s.startHandshake();
      assertEquals("TLSv1.3", s.getSession().getProtocol());
      assertTrue(get(s, "/healthz").startsWith("HTTP/1.1 200"));
    }
    try (SSLSocket s = connect(trusting, port, "TLSv1.2")) {
      SSLHandshakeException e = assertThrows(SSLHandshakeException.class, s::startHandshake);
      assertTrue(e.getMessage().contains("protocol_version"), e.getMessage());
    }
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpRequest plain =
          HttpRequest.newBuilder(URI.create("http://" + LOOPBACK + ":" + port + "/healthz"))
              .timeout(Duration.ofSeconds(5))
              .build();
      assertThrows(IOException.class, () -> http.send(plain, HttpResponse.BodyHandlers.ofString()));
    }
  }

  @Test
  void changedCertificateFilesServeNewConnectionsAndABadPairKeepsTheOldOne() throws Exception {
    CoordTlsFiles tls = CoordTlsFiles.create(dir.resolve("tls"), LOOPBACK);
    Path log = dir.resolve("coord.log");
    int port = startCoord(tls.coordArgs(), log);
    SSLContext trusting = tls.clientContext();

    SSLSocket before = connect(trusting, port, "TLSv1.3");
    before.startHandshake();
    assertEquals(tls.serving().serial(), serial(before));

    TestCa.Issued next = tls.ca().issue(TestCa.KeyType.RSA, LOOPBACK);
    next.writeKeyTraditional(tls.keyFile());
    next.writeCertificate(tls.certFile());
    awaitSerial(trusting, port, next.serial(), Duration.ofSeconds(15));
    assertTrue(Files.readString(log).contains("tls_reloaded"), Files.readString(log));

    // The connection opened before the swap keeps its session and still gets answers.
    assertTrue(get(before, "/healthz").startsWith("HTTP/1.1 200"));
    assertEquals(tls.serving().serial(), serial(before));
    before.close();

    // A certificate whose key is elsewhere: logged, and the previous pair stays in use. (The swap
    // above may have been seen half-done, key before certificate: count only new failures.)
    long failedBefore = failedReloads(log).size();
    tls.ca().issue(TestCa.KeyType.EC, LOOPBACK).writeCertificate(tls.certFile());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (failedReloads(log).size() == failedBefore && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    List<String> failed = failedReloads(log);
    assertTrue(failed.size() > failedBefore, Files.readString(log));
    assertTrue(failed.getLast().contains("level=error"), failed.getLast());
    assertTrue(failed.getLast().contains("is not the private key"), failed.getLast());
    assertTrue(failed.getLast().contains("keeping the previous certificate"), failed.getLast());
    try (SSLSocket after = connect(trusting, port, "TLSv1.3")) {
      after.startHandshake();
      assertEquals(next.serial(), serial(after));
    }
  }

  @Test
  void startUpFlagsAreCheckedBeforeServing() throws Exception {
    CoordTlsFiles tls = CoordTlsFiles.create(dir.resolve("tls"), LOOPBACK);
    String state = dir.resolve("state").toString();
    String listen = LOOPBACK + ":" + freePort();

    Launchers.Result none = coord("--listen", listen, "--state-dir", state);
    assertEquals(2, none.exit(), none.stderr());
    assertTrue(none.stderr().contains("--tls-cert FILE --tls-key FILE"), none.stderr());
    assertTrue(none.stderr().contains("--insecure-http"), none.stderr());

    Launchers.Result certOnly = coord("--tls-cert", tls.certFile().toString(), "--listen", listen);
    assertEquals(2, certOnly.exit(), certOnly.stderr());
    assertTrue(certOnly.stderr().contains("--tls-cert needs --tls-key"), certOnly.stderr());

    Path otherKey = tls.ca().issue(TestCa.KeyType.EC, LOOPBACK).writeKeyPkcs8(dir.resolve("k"));
    Launchers.Result mismatched =
        coord("--tls-cert", tls.certFile().toString(), "--tls-key", otherKey.toString());
    assertEquals(1, mismatched.exit(), mismatched.stderr());
    assertTrue(mismatched.stderr().contains("is not the private key"), mismatched.stderr());

    Launchers.Result missing =
        coord("--tls-cert", dir.resolve("nope.pem").toString(), "--tls-key", otherKey.toString());
    assertEquals(1, missing.exit(), missing.stderr());
    assertTrue(missing.stderr().contains("cannot read --tls-cert"), missing.stderr());

    Path log = dir.resolve("insecure.log");
    int port = startCoord(List.of("--insecure-http"), log);
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://" + LOOPBACK + ":" + port + "/healthz"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
    }
    List<String> warned =
        Files.readAllLines(log).stream().filter(l -> l.contains("insecure_http")).toList();
    assertEquals(1, warned.size(), Files.readString(log));
    assertTrue(warned.getFirst().contains("level=warn"), warned.getFirst());
  }

  @Test
  void gretunUpRefusesPlainHttpAndNamesTheTlsFailure() throws Exception {
    Launchers.Result plain =
        Launchers.run("gretun", "up", "--coordinator", "http://" + LOOPBACK + ":1");
    assertEquals(2, plain.exit(), plain.stderr());
    assertTrue(plain.stderr().contains("--insecure-http"), plain.stderr());

    // Past the flag checks `gretun up` needs CAP_NET_ADMIN before it contacts the coordinator.
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")) || Boolean.getBoolean("gretun.requireRoot"),
        "gretun up needs root");
    CoordTlsFiles tls = CoordTlsFiles.create(dir.resolve("tls"), LOOPBACK);
    int port = startCoord(tls.coordArgs());
    Path wrongCa = TestCa.create("not the coordinator's CA").writeCertificate(dir.resolve("w"));
    Launchers.Result refused =
        Launchers.run(
            "gretun",
            "up",
            "--coordinator",
            "https://" + LOOPBACK + ":" + port,
            "--coordinator-ca",
            wrongCa.toString(),
            "--hostname",
            "tls-test",
            "--state-dir",
            dir.resolve("node").toString(),
            "--control-socket",
            dir.resolve("node.sock").toString(),
            "--dataplane",
            "userspace",
            "--tun-name",
            "gttls0");
    assertEquals(1, refused.exit(), refused.stderr());
    assertTrue(refused.stderr().contains("TLS handshake with"), refused.stderr());
    assertTrue(refused.stderr().contains("--coordinator-ca"), refused.stderr());
  }

  private static List<String> failedReloads(Path log) throws IOException {
    return Files.readAllLines(log).stream().filter(l -> l.contains("tls_reload_failed")).toList();
  }

  private CoordClient client(URI base, SSLContext tls) {
    byte[] disco = new byte[32];
    new SecureRandom().nextBytes(disco);
    CoordClient.Config c = CoordClient.Config.of(base, Ed25519Keys.generate(), disco, "n", null);
    return new CoordClient(tls == null ? c : c.withTls(tls));
  }

  private Launchers.Result coord(String... args) throws Exception {
    return Launchers.run("gretun-coord", args);
  }

  private int startCoord(List<String> tlsArgs) throws Exception {
    return startCoord(tlsArgs, dir.resolve("coord-" + processes.size() + ".log"));
  }

  /** Starts gretun-coord on a free loopback port (no join keys, no STUN); returns the port. */
  private int startCoord(List<String> tlsArgs, Path log) throws Exception {
    int port = freePort();
    List<String> args =
        new ArrayList<>(
            List.of(
                "--listen",
                LOOPBACK + ":" + port,
                "--state-dir",
                dir.resolve("state-" + port).toString(),
                "--stun-listen",
                "off",
                "--no-auth-keys"));
    args.addAll(tlsArgs);
    ProcessBuilder pb = Launchers.builder("gretun-coord", args.toArray(String[]::new));
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    Process p = pb.start();
    processes.add(p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.readString(log).contains("coord_listening")) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("gretun-coord did not start:\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
    return port;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static SSLSocket connect(SSLContext tls, int port, String protocol) throws IOException {
    SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(LOOPBACK, port);
    s.setEnabledProtocols(new String[] {protocol});
    s.setSoTimeout(10_000);
    return s;
  }

  private static BigInteger serial(SSLSocket s) throws IOException {
    return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
  }

  private static void awaitSerial(SSLContext tls, int port, BigInteger want, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    BigInteger seen = null;
    while (System.nanoTime() < deadline) {
      try (SSLSocket s = connect(tls, port, "TLSv1.3")) {
        s.startHandshake();
        seen = serial(s);
        if (seen.equals(want)) {
          return;
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("new connections still get serial " + seen + ", want " + want);
  }

  /** One HTTP/1.1 GET on an open TLS connection; returns the status line. */
  private static String get(SSLSocket s, String path) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(
        ("GET " + path + " HTTP/1.1\r\nHost: " + LOOPBACK + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = s.getInputStream();
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != -1 && c != '\r'; c = in.read()) {
      line.append((char) c);
    }
    return line.toString();
  }
}
