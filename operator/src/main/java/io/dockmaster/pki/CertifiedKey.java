package io.dockmaster.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** A private key with its certificate chain: what one end of a TLS connection presents. */
public interface CertifiedKey {

  PrivateKey privateKey();

  /** The leaf first, then any intermediates. */
  List<X509Certificate> chain();

  default X509Certificate leaf() {
    return chain().get(0);
  }
}
