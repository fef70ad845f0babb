package io.dockmaster.webhooktls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/** A certificate with its private key: a CA that can sign, or the serving certificate. */
public record KeyedCertificate(X509Certificate certificate, PrivateKey key) {

  Lifetime lifetime() {
    return Lifetime.of(certificate);
  }

  /** True when this certificate's signature checks out against the CA's public key. */
  boolean signedBy(X509Certificate authority) {
    try {
      certificate.verify(authority.getPublicKey());
      return true;
    } catch (java.security.GeneralSecurityException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    // Never print the key.
    return "KeyedCertificate["
        + certificate.getSubjectX500Principal().getName()
        + ", serial "
        + certificate.getSerialNumber().toString(16)
        + "]";
  }
}
