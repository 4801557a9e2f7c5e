package dev.gretun.e2e.tls;

import dev.gretun.core.coord.TestCa;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * A test CA and a coordinator certificate it signed, written as the PEM files an operator gives
 * {@code gretun-coord --tls-cert/--tls-key} and {@code gretun up --coordinator-ca}.
 *
 * @param ca the CA (to issue further certificates, e.g. for a reload)
 * @param caFile its certificate, for {@code --coordinator-ca}
 * @param certFile the coordinator's certificate
 * @param keyFile the coordinator's private key (PKCS#8)
 * @param serving the certificate written to {@code certFile}
 */
public record CoordTlsFiles(
    TestCa ca, Path caFile, Path certFile, Path keyFile, TestCa.Issued serving) {

  /** A new CA in {@code dir} and a certificate for {@code names} (IP addresses or host names). */
  public static CoordTlsFiles create(Path dir, String... names) throws IOException {
    Files.createDirectories(dir);
    TestCa ca = TestCa.create("gretun e2e CA " + dir.getFileName());
    TestCa.Issued leaf = ca.issue(TestCa.KeyType.EC, names);
    return new CoordTlsFiles(
        ca,
        ca.writeCertificate(dir.resolve("ca.pem")),
        leaf.writeCertificate(dir.resolve("coord-cert.pem")),
        leaf.writeKeyPkcs8(dir.resolve("coord-key.pem")),
        leaf);
  }

  /** {@code --tls-cert FILE --tls-key FILE} for gretun-coord. */
  public List<String> coordArgs() {
    return List.of("--tls-cert", certFile.toString(), "--tls-key", keyFile.toString());
  }

  /** {@code --coordinator-ca FILE} for gretun up. */
  public List<String> upArgs() {
    return List.of("--coordinator-ca", caFile.toString());
  }

  /** A client TLS context trusting only this CA. */
  public SSLContext clientContext() {
    return ca.clientContext(caFile.getParent());
  }
}
