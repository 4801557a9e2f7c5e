package dev.gretun.core.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoordTrustTest {
  @TempDir Path dir;

  @Test
  void onlyAllPlainHttpUrlsGoWithoutTheSystemTrustStore() {
    assertTrue(
        CoordTrust.allPlainHttp(List.of(URI.create("http://a:8080"), URI.create("HTTP://b"))));
    assertFalse(
        CoordTrust.allPlainHttp(List.of(URI.create("http://a:8080"), URI.create("https://b"))));
  }

  @Test
  void theContextForPlainHttpTrustsNoServerThatATrustingContextAccepts() throws Exception {
    TestCa ca = TestCa.create("gretun test CA");
    TestCa.Issued leaf = ca.issue(TestCa.KeyType.EC, "127.0.0.1");
    try (SSLServerSocket server = listen(leaf)) {
      CompletableFuture<Void> serving = serve(server, 2);
      handshake(ca.clientContext(dir), server); // the control: this server is good
      assertThrows(SSLException.class, () -> handshake(CoordTrust.trustNothing(), server));
      serving.get(10, TimeUnit.SECONDS);
    }
  }

  private static SSLServerSocket listen(TestCa.Issued leaf) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry(
        "leaf", leaf.keys().getPrivate(), new char[0], new Certificate[] {leaf.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    SSLServerSocket s = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket();
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    s.setSoTimeout(10_000);
    return s;
  }

  /** Accepts {@code n} connections and tries each one's handshake (a failed one is expected). */
  private static CompletableFuture<Void> serve(SSLServerSocket server, int n) {
    return CompletableFuture.runAsync(
        () -> {
          for (int i = 0; i < n; i++) {
            try (SSLSocket c = (SSLSocket) server.accept()) {
              c.setSoTimeout(10_000);
              c.startHandshake();
              c.getOutputStream().write(1);
              c.getOutputStream().flush();
            } catch (IOException e) {
              // the client refused our certificate
            }
          }
        });
  }

  private static void handshake(SSLContext tls, SSLServerSocket server) throws IOException {
    try (SSLSocket c =
        (SSLSocket)
            tls.getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
      c.setSoTimeout(10_000);
      c.startHandshake();
      assertEquals(1, c.getInputStream().read());
    }
  }
}
