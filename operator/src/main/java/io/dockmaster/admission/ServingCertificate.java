package io.dockmaster.admission;

import io.dockmaster.pki.CertifiedKey;
import io.dockmaster.pki.Pem;
import io.dockmaster.pki.Signing;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A certificate chain and its private key, checked to belong together before the server takes them,
 * so a half-rotated Secret never replaces a working certificate. Keys are read in any PEM form:
 * PKCS#8, or the PKCS#1 and SEC1 forms cert-manager writes by default.
 *
 * @param chain the leaf first, then any intermediates
 */
public record ServingCertificate(List<X509Certificate> chain, PrivateKey privateKey)
    implements CertifiedKey {

  public ServingCertificate {
    chain = List.copyOf(chain);
  }

  /**
   * @throws IllegalArgumentException naming what is wrong with the PEM
   */
  public static ServingCertificate parse(String chainPem, String keyPem) {
    List<X509Certificate> chain = Pem.readChain(chainPem, "the certificate file");
    PrivateKey key = Pem.readPrivateKey(keyPem, "the key file");
    X509Certificate leaf = chain.get(0);
    if (!Signing.keyMatches(leaf, key)) {
      throw new IllegalArgumentException(
          "the private key does not belong to the certificate for "
              + leaf.getSubjectX500Principal().getName());
    }
    return new ServingCertificate(chain, key);
  }

  @Override
  public String toString() {
    // Never print the key.
    return "ServingCertificate[" + leaf().getSubjectX500Principal().getName() + "]";
  }
}
