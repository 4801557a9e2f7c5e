package dev.gretun.core.coord;

import dev.gretun.core.GretunException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
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
}
