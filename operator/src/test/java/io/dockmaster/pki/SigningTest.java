package io.dockmaster.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

class SigningTest {

  private static final Instant START = TestChain.FIXED_START;
  private static final CertificateAuthority CA = TestChain.fixedAuthority();

  @Test
  void aKeyMatchesOnlyItsOwnCertificate() throws Exception {
    KeyPair ec = P256Keys.generate();
    KeyPair rsa = generate("RSA");
    KeyPair ed25519 = generate("Ed25519");

    assertThat(Signing.keyMatches(certificateFor(ec), ec.getPrivate())).isTrue();
    assertThat(Signing.keyMatches(certificateFor(rsa), rsa.getPrivate())).isTrue();
    assertThat(Signing.keyMatches(certificateFor(ed25519), ed25519.getPrivate())).isTrue();
    assertThat(Signing.keyMatches(certificateFor(ec), P256Keys.generate().getPrivate())).isFalse();
    assertThat(Signing.keyMatches(certificateFor(ec), rsa.getPrivate())).isFalse();
    assertThat(Signing.keyMatches(CA.certificate(), CA.key())).isTrue();
  }

  @Test
  void anUnsupportedKeyIsNamed() throws Exception {
    KeyPair dsa = generate("DSA");

    assertThatThrownBy(() -> Signing.keyMatches(CA.certificate(), dsa.getPrivate()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unsupported private key algorithm DSA; use an EC (P-256), RSA or Ed25519 key");
  }

  @Test
  void anRsaCaFromASecretSignsWithRsa() throws Exception {
    KeyPair rsa = generate("RSA");
    CertificateAuthority rsaAuthority =
        new CertificateAuthority(certificateFor(rsa), rsa.getPrivate());

    X509Certificate leaf =
        LeafCertificate.forKey(
                P256Keys.generate().getPublic(),
                X500Names.commonName("a"),
                START,
                START.plus(Duration.ofDays(1)))
            .signedBy(rsaAuthority);

    assertThat(Signing.certificateAlgorithm(rsa.getPrivate())).isEqualTo("SHA256withRSA");
    assertThat(Signing.certificateAlgorithm(CA.key())).isEqualTo("SHA256withECDSA");
    assertThat(leaf.getSigAlgName()).isEqualTo("SHA256withRSA");
    leaf.verify(rsa.getPublic());
  }

  private static X509Certificate certificateFor(KeyPair keys) {
    return LeafCertificate.forKey(
            keys.getPublic(), X500Names.commonName("a"), START, START.plus(Duration.ofDays(1)))
        .keyUsage(KeyUsage.digitalSignature)
        .signedBy(CA);
  }

  private static KeyPair generate(String algorithm) throws Exception {
    return KeyPairGenerator.getInstance(algorithm).generateKeyPair();
  }
}
