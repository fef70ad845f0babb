package io.dockmaster.pki;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;

/** A CA of its own and a server certificate from it, valid from an hour ago for a day. */
record TestChain(CertificateAuthority authority, KeyPair leafKeys, X509Certificate leaf)
    implements CertifiedKey {

  /** Fixed times, for tests that compare them. */
  static final Instant FIXED_START = Instant.parse("2030-01-01T00:00:00Z");

  /** A CA valid for 30 days from {@link #FIXED_START}. */
  static CertificateAuthority fixedAuthority() {
    return CertificateAuthority.selfSigned(
        X500Names.commonName("test-ca"), FIXED_START, FIXED_START.plus(Duration.ofDays(30)));
  }

  static TestChain issue(String name) {
    Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(1));
    CertificateAuthority authority =
        CertificateAuthority.selfSigned(
            X500Names.commonName(name + "-ca"), start, start.plus(Duration.ofDays(2)));
    KeyPair keys = P256Keys.generate();
    X509Certificate leaf =
        LeafCertificate.forKey(
                keys.getPublic(), X500Names.commonName(name), start, start.plus(Duration.ofDays(1)))
            .keyUsage(KeyUsage.digitalSignature)
            .extendedKeyUsage(KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth)
            .dnsNames(List.of(name))
            .signedBy(authority);
    return new TestChain(authority, keys, leaf);
  }

  @Override
  public PrivateKey privateKey() {
    return leafKeys.getPrivate();
  }

  @Override
  public List<X509Certificate> chain() {
    return List.of(leaf);
  }
}
