package io.dockmaster.pki;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Locale;

/** Which signature algorithm a key signs with, and whether a key belongs to a certificate. */
public final class Signing {

  private static final SecureRandom RANDOM = new SecureRandom();

  private Signing() {}

  /**
   * The algorithm a CA with this key signs certificates with.
   *
   * @throws IllegalArgumentException for keys other than EC and RSA
   */
  public static String certificateAlgorithm(PrivateKey issuerKey) {
    return switch (issuerKey.getAlgorithm().toUpperCase(Locale.ROOT)) {
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default ->
          throw new IllegalArgumentException(
              "unsupported CA key algorithm " + issuerKey.getAlgorithm() + "; expected EC or RSA");
    };
  }

  /**
   * Signs a nonce with the key and checks it with the certificate's public key, which works for
   * every algorithm without comparing key encodings.
   *
   * @throws IllegalArgumentException for keys other than EC, RSA and Ed25519
   */
  public static boolean keyMatches(X509Certificate certificate, PrivateKey key) {
    String algorithm =
        switch (key.getAlgorithm().toUpperCase(Locale.ROOT)) {
          case "EC", "ECDSA" -> "SHA256withECDSA";
          case "RSA" -> "SHA256withRSA";
          case "ED25519", "EDDSA" -> "Ed25519";
          default ->
              throw new IllegalArgumentException(
                  "unsupported private key algorithm "
                      + key.getAlgorithm()
                      + "; use an EC (P-256), RSA or Ed25519 key");
        };
    byte[] nonce = new byte[32];
    RANDOM.nextBytes(nonce);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(nonce);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(nonce);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
