package dev.gretun.coord.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.List;
import org.bouncycastle.asn1.ASN1Object;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * The private key of a PEM file: PKCS#8 ({@code PRIVATE KEY}, RSA, EC, Ed25519, Ed448), PKCS#1
 * ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}, RFC 5915). The legacy forms are
 * re-wrapped as PKCS#8 with Bouncy Castle's ASN.1 types so the JDK's key factories read them.
 */
final class PrivateKeyPem {
  private PrivateKeyPem() {}

  /**
   * @throws IllegalArgumentException with an operator-facing reason
   */
  static PrivateKey decode(List<PemBlock> blocks) {
    List<PemBlock> keys = blocks.stream().filter(b -> b.label().endsWith("PRIVATE KEY")).toList();
    if (keys.size() != 1) {
      throw new IllegalArgumentException(
          keys.isEmpty()
              ? "no '-----BEGIN PRIVATE KEY-----' block"
              : keys.size() + " private keys; give exactly one");
    }
    PemBlock b = keys.getFirst();
    try {
      return switch (b.label()) {
        case "PRIVATE KEY" -> pkcs8(b.der());
        case "RSA PRIVATE KEY" ->
            pkcs8(
                new PrivateKeyInfo(
                        new AlgorithmIdentifier(
                            PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
                        RSAPrivateKey.getInstance(b.der()))
                    .getEncoded());
        case "EC PRIVATE KEY" -> pkcs8(sec1ToPkcs8(b.der()));
        case "ENCRYPTED PRIVATE KEY" ->
            throw new IllegalArgumentException(
                "the key is encrypted; decrypt it first (openssl pkey -in KEY -out KEY.plain)");
        default -> throw new IllegalArgumentException("unsupported key type '" + b.label() + "'");
      };
    } catch (IOException | GeneralSecurityException | IllegalStateException e) {
      throw new IllegalArgumentException("the " + b.label() + " block is not a valid key", e);
    }
  }

  private static byte[] sec1ToPkcs8(byte[] der) throws IOException {
    ECPrivateKey ec = ECPrivateKey.getInstance(der);
    ASN1Object curve = ec.getParametersObject();
    if (curve == null) {
      throw new IllegalArgumentException("the EC key names no curve");
    }
    return new PrivateKeyInfo(
            new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, curve), ec)
        .getEncoded();
  }

  private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
    String oid = PrivateKeyInfo.getInstance(der).getPrivateKeyAlgorithm().getAlgorithm().getId();
    String algorithm =
        switch (oid) {
          case "1.2.840.113549.1.1.1" -> "RSA";
          case "1.2.840.113549.1.1.10" -> "RSASSA-PSS";
          case "1.2.840.10045.2.1" -> "EC";
          case "1.3.101.112" -> "Ed25519";
          case "1.3.101.113" -> "Ed448";
          default -> throw new IllegalArgumentException("unsupported key algorithm " + oid);
        };
    return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
  }
}
