package dev.gretun.core.coord;

import dev.gretun.core.GretunException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * Which certificates the node trusts for an {@code https://} coordinator: the system trust store
 * (the JDK's {@code cacerts}) by default, or only the CA certificates of a PEM file ({@code
 * --coordinator-ca}) for a coordinator with a private CA. Host name verification stays on either
 * way: the certificate must name the host or IP address of the coordinator URL.
 */
public final class CoordTrust {
  private CoordTrust() {}

  /**
   * A TLS context that trusts exactly the certificates in {@code caPem} (one or more PEM {@code
   * CERTIFICATE} blocks), and nothing from the system trust store.
   *
   * @throws GretunException (code {@code coordinator_ca}) when the file cannot be read or holds no
   *     certificate
   */
  public static SSLContext trustOnly(Path caPem) {
    Collection<? extends Certificate> certs;
    try (InputStream in = Files.newInputStream(caPem)) {
      certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (IOException e) {
      throw new GretunException(
          "coordinator_ca", "cannot read --coordinator-ca " + caPem + ": " + e.getMessage());
    } catch (CertificateException e) {
      throw new GretunException(
          "coordinator_ca",
          "--coordinator-ca "
              + caPem
              + " is not a PEM certificate file (want '-----BEGIN CERTIFICATE-----' blocks): "
              + e.getMessage());
    }
    if (certs.isEmpty()) {
      throw new GretunException(
          "coordinator_ca", "--coordinator-ca " + caPem + " holds no PEM certificate");
    }
    try {
      KeyStore anchors = KeyStore.getInstance("PKCS12");
      anchors.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        anchors.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(anchors);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, tmf.getTrustManagers(), null);
      return tls;
    } catch (GeneralSecurityException | IOException e) {
      throw new GretunException(
          "coordinator_ca", "cannot use --coordinator-ca " + caPem + ": " + e.getMessage(), e);
    }
  }

  /**
   * A TLS context that trusts no certificate, for a client whose coordinator URLs are all {@code
   * http://}. The JDK's HTTP client asks for {@code SSLContext.getDefault()} when it is built, and
   * that parses the system trust store ({@code cacerts}, ~150 certificates): ~50 ms of a node's
   * start-up on a quiet host, ~280 ms on a loaded one (docs/BENCH.md, "Connect time: where a
   * start's time goes"). With empty trust managers the JDK uses none of its defaults, so any
   * handshake with this context fails.
   */
  public static SSLContext trustNothing() {
    try {
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(new KeyManager[0], new TrustManager[0], null);
      return tls;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no TLS context", e);
    }
  }

  /** True when every URL is plain {@code http://} (no TLS context is needed to reach them). */
  public static boolean allPlainHttp(Collection<URI> urls) {
    return urls.stream().allMatch(u -> "http".equalsIgnoreCase(u.getScheme()));
  }
}
