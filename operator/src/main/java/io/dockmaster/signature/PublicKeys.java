package io.dockmaster.signature;

import java.io.IOException;
import java.io.StringReader;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Reads the PEM public keys signatures are verified with: the key types cosign produces and accepts
 * (ECDSA P-256/P-384/P-521, RSA of 2048 bits or more, Ed25519), in PKIX or PKCS#1 form.
 */
public final class PublicKeys {

  private static final int MIN_RSA_BITS = 2048;
  private static final Map<ASN1ObjectIdentifier, String> CURVES =
      Map.of(
          SECObjectIdentifiers.secp256r1, "P-256",
          SECObjectIdentifiers.secp384r1, "P-384",
          SECObjectIdentifiers.secp521r1, "P-521");

  private PublicKeys() {}

  /**
   * @throws InvalidPublicKeyException with a message that says what is wrong and what would do
   */
  public static TrustedKey parse(String pem) {
    if (pem == null || pem.isBlank()) {
      throw new InvalidPublicKeyException("is empty; paste the content of cosign.pub");
    }
    Object parsed;
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      parsed = parser.readObject();
    } catch (IOException | RuntimeException e) {
      throw new InvalidPublicKeyException(
          "is not a readable PEM public key (the base64 body does not decode to a key)");
    }
    if (!(parsed instanceof SubjectPublicKeyInfo info)) {
      throw new InvalidPublicKeyException(
          parsed == null
              ? "holds no PEM block; expected -----BEGIN PUBLIC KEY-----"
              : "holds a " + describe(parsed) + ", not a public key; never put a private key here");
    }
    return toTrustedKey(info);
  }

  private static TrustedKey toTrustedKey(SubjectPublicKeyInfo info) {
    ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
    PublicKey key = convert(info);
    if (algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
      String curve = CURVES.get(info.getAlgorithm().getParameters());
      if (curve == null) {
        throw new InvalidPublicKeyException(
            "is an ECDSA key on an unsupported curve; use P-256 (cosign's default), P-384 or P-521");
      }
      return new TrustedKey(key, "ECDSA " + curve);
    }
    if (algorithm.equals(PKCSObjectIdentifiers.rsaEncryption)) {
      int bits = ((RSAPublicKey) key).getModulus().bitLength();
      if (bits < MIN_RSA_BITS) {
        throw new InvalidPublicKeyException(
            "is an RSA key of " + bits + " bits, too weak; use at least " + MIN_RSA_BITS);
      }
      return new TrustedKey(key, "RSA " + bits);
    }
    if (algorithm.equals(EdECObjectIdentifiers.id_Ed25519)) {
      return new TrustedKey(key, "Ed25519");
    }
    throw new InvalidPublicKeyException(
        "uses unsupported algorithm "
            + algorithm
            + "; use ECDSA P-256/P-384/P-521, RSA or Ed25519");
  }

  private static PublicKey convert(SubjectPublicKeyInfo info) {
    try {
      return new JcaPEMKeyConverter().getPublicKey(info);
    } catch (IOException | RuntimeException e) {
      throw new InvalidPublicKeyException("is malformed: the key material does not decode");
    }
  }

  private static String describe(Object parsed) {
    String name = parsed.getClass().getSimpleName();
    if (name.contains("KeyPair") || name.contains("PrivateKey")) {
      return "private key";
    }
    if (name.contains("Certificate")) {
      return "certificate";
    }
    return "PEM object of another kind";
  }
}
