package dev.gretun.core.coord;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A throwaway certificate authority for tests (Bouncy Castle's certificate builder): a self-signed
 * CA and server certificates it signs, for IP addresses and DNS names, written as PEM files the way
 * an operator would hand them to {@code gretun-coord --tls-cert/--tls-key} and {@code gretun up
 * --coordinator-ca}.
 */
public final class TestCa {
  /** Key types a test can ask for. */
  public enum KeyType {
    EC,
    RSA,
    ED25519
  }

  private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

  private final KeyPair keys;
  private final X509Certificate cert;
  private final X500Name name;

  private TestCa(String cn) {
    this.keys = generate(KeyType.EC);
    this.name = new X500Name("CN=" + cn);
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            name,
            nextSerial(),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(Duration.ofDays(2))),
            name,
            keys.getPublic());
    try {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.cert = sign(b, keys);
  }

  /** A new CA named {@code cn}. */
  public static TestCa create(String cn) {
    return new TestCa(cn);
  }

  /** The CA's own certificate. */
  public X509Certificate certificate() {
    return cert;
  }

  /**
   * Writes the CA certificate as PEM (what {@code --coordinator-ca} takes); returns {@code file}.
   */
  public Path writeCertificate(Path file) {
    write(file, pem(cert));
    return file;
  }

  /** A TLS context that trusts only this CA. */
  public SSLContext clientContext(Path scratchDir) {
    return CoordTrust.trustOnly(
        writeCertificate(scratchDir.resolve("ca-" + cert.getSerialNumber() + ".pem")));
  }

  /** A server certificate for {@code names} (IP literals become IP SANs, others DNS SANs). */
  public Issued issue(KeyType type, String... names) {
    KeyPair leaf = generate(type);
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            name,
            nextSerial(),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(Duration.ofDays(1))),
            new X500Name("CN=" + names[0]),
            leaf.getPublic());
    List<GeneralName> sans = new ArrayList<>();
    for (String n : names) {
      boolean ip = n.matches("[0-9.]+") || n.contains(":");
      sans.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, n));
    }
    try {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(sans.toArray(GeneralName[]::new)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Issued(sign(b, keys), leaf);
  }

  /** A server certificate and its key pair. */
  public record Issued(X509Certificate certificate, KeyPair keys) {
    public BigInteger serial() {
      return certificate.getSerialNumber();
    }

    /** Writes the certificate (PEM) to {@code file} by rename, as certbot-style tools do. */
    public Path writeCertificate(Path file) {
      write(file, pem(certificate));
      return file;
    }

    /** Writes the private key as PKCS#8 PEM ({@code PRIVATE KEY}). */
    public Path writeKeyPkcs8(Path file) {
      try {
        write(file, pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return file;
    }

    /**
     * Writes the private key in OpenSSL's traditional form: PKCS#1 for RSA, SEC1 for EC (with the
     * curve named inside, as {@code openssl ecparam -genkey} writes it).
     */
    public Path writeKeyTraditional(Path file) {
      if (!keys.getPrivate().getAlgorithm().equals("EC")) {
        write(file, pem(keys.getPrivate()));
        return file;
      }
      try {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
        ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
        ECPrivateKey sec1 =
            new ECPrivateKey(256, inner.getKey(), info.getPrivateKeyAlgorithm().getParameters());
        write(file, pem(new PemObject("EC PRIVATE KEY", sec1.getEncoded())));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return file;
    }
  }

  private static BigInteger nextSerial() {
    return BigInteger.valueOf(SERIALS.incrementAndGet());
  }

  private static KeyPair generate(KeyType type) {
    try {
      return switch (type) {
        case EC -> {
          KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
          g.initialize(new ECGenParameterSpec("secp256r1"));
          yield g.generateKeyPair();
        }
        case RSA -> {
          KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
          g.initialize(2048);
          yield g.generateKeyPair();
        }
        case ED25519 -> KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      };
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair ca) {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.getPrivate())));
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(Object o) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static void write(Path file, String text) {
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, text, StandardCharsets.US_ASCII);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
