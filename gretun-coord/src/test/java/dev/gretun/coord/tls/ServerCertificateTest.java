package dev.gretun.coord.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.GretunException;
import dev.gretun.core.coord.TestCa;
import dev.gretun.core.coord.TestCa.KeyType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ServerCertificateTest {
  private static final TestCa CA = TestCa.create("gretun test CA");
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void readsPkcs8Keys(KeyType type) {
    TestCa.Issued leaf = CA.issue(type, "127.0.0.1");
    ServerCertificate c =
        ServerCertificate.load(
            leaf.writeCertificate(dir.resolve("cert.pem")), leaf.writeKeyPkcs8(dir.resolve("k")));
    assertEquals(leaf.serial(), c.leaf().getSerialNumber());
    assertEquals(leaf.keys().getPrivate().getAlgorithm(), c.key().getAlgorithm());
  }

  @ParameterizedTest
  @EnumSource(
      value = KeyType.class,
      names = {"EC", "RSA"})
  void readsPkcs1AndSec1Keys(KeyType type) throws Exception {
    TestCa.Issued leaf = CA.issue(type, "coord.example");
    Path key = leaf.writeKeyTraditional(dir.resolve("k"));
    String label = type == KeyType.RSA ? "RSA PRIVATE KEY" : "EC PRIVATE KEY";
    assertTrue(Files.readString(key).contains("BEGIN " + label), Files.readString(key));
    ServerCertificate c = ServerCertificate.load(leaf.writeCertificate(dir.resolve("c")), key);
    assertEquals(leaf.serial(), c.leaf().getSerialNumber());
  }

  @Test
  void chainKeepsTheOrderOfTheFile() throws Exception {
    TestCa.Issued leaf = CA.issue(KeyType.EC, "127.0.0.1");
    Path cert = leaf.writeCertificate(dir.resolve("c"));
    Files.writeString(
        cert, Files.readString(cert) + Files.readString(CA.writeCertificate(dir.resolve("ca"))));
    ServerCertificate c = ServerCertificate.load(cert, leaf.writeKeyPkcs8(dir.resolve("k")));
    assertEquals(2, c.chain().size());
    assertEquals(CA.certificate(), c.chain().get(1));
  }

  @Test
  void keyOfAnotherCertificateIsRefused() {
    TestCa.Issued leaf = CA.issue(KeyType.EC, "127.0.0.1");
    TestCa.Issued other = CA.issue(KeyType.EC, "127.0.0.1");
    GretunException e =
        assertThrows(
            GretunException.class,
            () ->
                ServerCertificate.load(
                    leaf.writeCertificate(dir.resolve("c")),
                    other.writeKeyPkcs8(dir.resolve("k"))));
    assertEquals("tls_key", e.code());
    assertTrue(e.getMessage().contains("is not the private key"), e.getMessage());
  }

  @Test
  void keyOfAnotherTypeIsRefused() {
    TestCa.Issued leaf = CA.issue(KeyType.RSA, "127.0.0.1");
    TestCa.Issued other = CA.issue(KeyType.EC, "127.0.0.1");
    GretunException e =
        assertThrows(
            GretunException.class,
            () ->
                ServerCertificate.load(
                    leaf.writeCertificate(dir.resolve("c")),
                    other.writeKeyPkcs8(dir.resolve("k"))));
    assertTrue(e.getMessage().contains("is not the private key"), e.getMessage());
  }

  @Test
  void missingAndMalformedFilesSayWhichFlag() throws Exception {
    TestCa.Issued leaf = CA.issue(KeyType.EC, "127.0.0.1");
    Path cert = leaf.writeCertificate(dir.resolve("c"));
    Path key = leaf.writeKeyPkcs8(dir.resolve("k"));

    GretunException missing =
        assertThrows(GretunException.class, () -> ServerCertificate.load(dir.resolve("nope"), key));
    assertEquals("tls_cert", missing.code());
    assertTrue(missing.getMessage().startsWith("cannot read --tls-cert"), missing.getMessage());

    Path garbage = Files.writeString(dir.resolve("g"), "not a certificate\n");
    GretunException noCert =
        assertThrows(GretunException.class, () -> ServerCertificate.load(garbage, key));
    assertTrue(
        noCert.getMessage().contains("no '-----BEGIN CERTIFICATE-----'"), noCert.getMessage());

    GretunException certAsKey =
        assertThrows(GretunException.class, () -> ServerCertificate.load(cert, cert));
    assertEquals("tls_key", certAsKey.code());
    assertTrue(certAsKey.getMessage().contains("no '-----BEGIN PRIVATE KEY-----'"));

    Path broken =
        Files.writeString(
            dir.resolve("b"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    GretunException bad =
        assertThrows(GretunException.class, () -> ServerCertificate.load(broken, key));
    assertTrue(bad.getMessage().contains("not a valid certificate"), bad.getMessage());
  }

  @Test
  void encryptedKeysAreRefusedWithAHint() throws Exception {
    TestCa.Issued leaf = CA.issue(KeyType.EC, "127.0.0.1");
    Path cert = leaf.writeCertificate(dir.resolve("c"));
    Path pkcs8 =
        Files.writeString(
            dir.resolve("e1"),
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n");
    assertTrue(
        assertThrows(GretunException.class, () -> ServerCertificate.load(cert, pkcs8))
            .getMessage()
            .contains("openssl pkey"));
    Path legacy =
        Files.writeString(
            dir.resolve("e2"),
            "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n"
                + "MAA=\n-----END EC PRIVATE KEY-----\n");
    assertTrue(
        assertThrows(GretunException.class, () -> ServerCertificate.load(cert, legacy))
            .getMessage()
            .contains("encrypted"));
  }
}
