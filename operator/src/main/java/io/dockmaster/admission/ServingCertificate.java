package io.dockmaster.admission;

import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * A certificate chain and its private key, checked to belong together before the server takes them,
 * so a half-rotated Secret never replaces a working certificate. Keys are read in any PEM form:
 * PKCS#8, or the PKCS#1 and SEC1 forms cert-manager writes by default.
 *
 * @param chain the leaf first, then any intermediates
 */
public record ServingCertificate(List<X509Certificate> chain, PrivateKey privateKey) {

  public ServingCertificate {
    chain = List.copyOf(chain);
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  /**
   * @throws IllegalArgumentException naming what is wrong with the PEM
   */
  public static ServingCertificate parse(String chainPem, String keyPem) {
    List<X509Certificate> chain = certificates(chainPem);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("the certificate file holds no PEM certificate");
    }
    PrivateKey key = readPrivateKey(keyPem);
    X509Certificate leaf = chain.get(0);
    if (!belongTogether(leaf, key)) {
      throw new IllegalArgumentException(
          "the private key does not belong to the certificate for "
              + leaf.getSubjectX500Principal().getName());
    }
    return new ServingCertificate(chain, key);
  }

  private static List<X509Certificate> certificates(String pem) {
    List<X509Certificate> certificates = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
        if (item instanceof X509CertificateHolder holder) {
          certificates.add(converter.getCertificate(holder));
        }
      }
    } catch (IOException | CertificateException e) {
      throw new IllegalArgumentException("the certificate file is not valid PEM", e);
    }
    return certificates;
  }

  private static PrivateKey readPrivateKey(String pem) {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
        if (item instanceof PEMKeyPair pair) {
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
        if (item instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (item instanceof PEMEncryptedKeyPair || item instanceof PKCS8EncryptedPrivateKeyInfo) {
          throw new IllegalArgumentException(
              "the private key is encrypted; the webhook needs it unencrypted");
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("the key file is not valid PEM", e);
    }
    throw new IllegalArgumentException("the key file holds no PEM private key");
  }

  /** Signs a nonce with the key and checks it with the certificate: works for any algorithm. */
  private static boolean belongTogether(X509Certificate certificate, PrivateKey key) {
    String algorithm =
        switch (key.getAlgorithm().toUpperCase(Locale.ROOT)) {
          case "EC", "ECDSA" -> "SHA256withECDSA";
          case "RSA" -> "SHA256withRSA";
          case "ED25519", "EDDSA" -> "Ed25519";
          default ->
              throw new IllegalArgumentException(
                  "unsupported private key algorithm " + key.getAlgorithm());
        };
    byte[] nonce = new byte[32];
    new SecureRandom().nextBytes(nonce);
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

  @Override
  public String toString() {
    // Never print the key.
    return "ServingCertificate[" + leaf().getSubjectX500Principal().getName() + "]";
  }
}
