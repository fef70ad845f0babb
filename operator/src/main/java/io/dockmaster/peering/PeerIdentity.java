package io.dockmaster.peering;

import io.dockmaster.pki.CertifiedKey;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * A peer's private key and certificate chain (leaf first; the CA itself is not included, peers
 * trust it separately). The key lives only in memory.
 */
public record PeerIdentity(PrivateKey privateKey, List<X509Certificate> chain)
    implements CertifiedKey {

  public PeerIdentity {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("a peer identity needs at least its own certificate");
    }
  }

  public PeerName name() {
    return PeerName.of(leaf());
  }

  public Instant notBefore() {
    return leaf().getNotBefore().toInstant();
  }

  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  @Override
  public String toString() {
    // Never print the key.
    return "PeerIdentity["
        + leaf().getSubjectX500Principal().getName()
        + ", serial "
        + leaf().getSerialNumber().toString(16)
        + ", valid until "
        + notAfter()
        + "]";
  }
}
