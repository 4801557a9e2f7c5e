package dev.gretun.coord.tls;

import dev.gretun.core.GretunException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The coordinator's certificate chain (leaf first) and the private key of the leaf, read from PEM
 * files and checked to belong together (a signature by the key verifies with the leaf's public
 * key).
 */
public record ServerCertificate(List<X509Certificate> chain, PrivateKey key) {

  public ServerCertificate {
    chain = List.copyOf(chain);
  }

  /**
   * Reads and checks both files.
   *
   * @throws GretunException (code {@code tls_cert} or {@code tls_key}) saying which file is wrong
   */
  public static ServerCertificate load(Path certFile, Path keyFile) {
    List<X509Certificate> chain = readChain(certFile);
    PrivateKey key;
    try {
      key = PrivateKeyPem.decode(PemBlock.parse(read(keyFile, "--tls-key", "tls_key")));
    } catch (IllegalArgumentException e) {
      throw new GretunException("tls_key", "--tls-key " + keyFile + ": " + e.getMessage());
    }
    if (!matches(key, chain.getFirst().getPublicKey())) {
      throw new GretunException(
          "tls_key",
          "--tls-key "
              + keyFile
              + " is not the private key of the first certificate in --tls-cert "
              + certFile);
    }
    return new ServerCertificate(chain, key);
  }

  public X509Certificate leaf() {
    return chain.getFirst();
  }

  /** {@code subject="..." serial=HEX not_after=...} for log lines. */
  public String subject() {
    return leaf().getSubjectX500Principal().getName();
  }

  public String serialHex() {
    return leaf().getSerialNumber().toString(16);
  }

  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  /** Whether the leaf certificate's validity has ended at {@code now}. */
  public boolean expired(Instant now) {
    return now.isAfter(leaf().getNotAfter().toInstant());
  }

  private static List<X509Certificate> readChain(Path certFile) {
    String text = read(certFile, "--tls-cert", "tls_cert");
    List<X509Certificate> chain = new ArrayList<>();
    try {
      CertificateFactory x509 = CertificateFactory.getInstance("X.509");
      for (PemBlock b : PemBlock.parse(text)) {
        if (b.label().equals("CERTIFICATE")) {
          chain.add((X509Certificate) x509.generateCertificate(new ByteArrayInputStream(b.der())));
        }
      }
    } catch (CertificateException | IllegalArgumentException e) {
      throw new GretunException(
          "tls_cert", "--tls-cert " + certFile + ": not a valid certificate: " + e.getMessage());
    }
    if (chain.isEmpty()) {
      throw new GretunException(
          "tls_cert", "--tls-cert " + certFile + ": no '-----BEGIN CERTIFICATE-----' block");
    }
    return chain;
  }

  private static String read(Path file, String flag, String code) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new GretunException(code, "cannot read " + flag + " " + file + ": " + e.getMessage());
    }
  }

  private static boolean matches(PrivateKey key, PublicKey certKey) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
          default ->
              throw new GretunException(
                  "tls_key",
                  "--tls-key: unsupported key type "
                      + key.getAlgorithm()
                      + " (use RSA, EC or Ed25519)");
        };
    try {
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] sig = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certKey);
      verifier.update(probe);
      return verifier.verify(sig);
    } catch (GeneralSecurityException e) {
      // e.g. an EC key for an RSA certificate: the verifier refuses the key type
      return false;
    }
  }
}
