package io.dockmaster.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.asn1.x509.Extension;
import org.junit.jupiter.api.Test;

class CertificateAuthorityTest {

  private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
  private static final Instant END = START.plus(Duration.ofDays(30));

  @Test
  void aSelfSignedCaIsAP256CaThatSignsOnlyLeaves() throws Exception {
    CertificateAuthority ca =
        CertificateAuthority.selfSigned(X500Names.commonName("test-ca"), START, END);

    X509Certificate certificate = ca.certificate();
    certificate.verify(certificate.getPublicKey());
    assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=test-ca");
    assertThat(certificate.getIssuerX500Principal())
        .isEqualTo(certificate.getSubjectX500Principal());
    assertThat(certificate.getBasicConstraints()).as("CA, path length 0").isEqualTo(0);
    boolean[] usage = certificate.getKeyUsage();
    assertThat(usage[5]).as("keyCertSign").isTrue();
    assertThat(usage[6]).as("cRLSign").isTrue();
    assertThat(usage[0]).as("digitalSignature").isFalse();
    assertThat(certificate.getCriticalExtensionOIDs())
        .contains(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
    assertThat(certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNotNull();
    assertThat(((ECPublicKey) certificate.getPublicKey()).getParams().toString())
        .startsWith("secp256r1");
    assertThat(certificate.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(certificate.getNotBefore().toInstant()).isEqualTo(START);
    assertThat(certificate.getNotAfter().toInstant()).isEqualTo(END);
    assertThat(ca.key().getAlgorithm()).isEqualTo("EC");
  }

  @Test
  void serialsAreRandomAndPositive() {
    X509Certificate one =
        CertificateAuthority.selfSigned(X500Names.commonName("a"), START, END).certificate();
    X509Certificate two =
        CertificateAuthority.selfSigned(X500Names.commonName("a"), START, END).certificate();

    assertThat(one.getSerialNumber()).isPositive().isNotEqualTo(two.getSerialNumber());
  }

  @Test
  void leavesEndWithTheirCaAtTheLatest() {
    CertificateAuthority ca =
        CertificateAuthority.selfSigned(X500Names.commonName("a"), START, END);

    assertThat(ca.endNoLaterThan(END.plusSeconds(1))).isEqualTo(END);
    assertThat(ca.endNoLaterThan(END.minusSeconds(1))).isEqualTo(END.minusSeconds(1));
  }

  @Test
  void onlyEcAndRsaKeysCanSign() throws Exception {
    X509Certificate certificate =
        CertificateAuthority.selfSigned(X500Names.commonName("a"), START, END).certificate();
    var ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate();

    assertThatThrownBy(() -> new CertificateAuthority(certificate, ed25519))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unsupported CA key algorithm EdDSA; expected EC or RSA");
  }

  @Test
  void itsTextNeverShowsTheKey() {
    CertificateAuthority ca =
        CertificateAuthority.selfSigned(X500Names.commonName("a"), START, END);

    assertThat(ca.toString())
        .isEqualTo("CertificateAuthority[CN=a, valid until " + END + "]")
        .doesNotContain(ca.key().toString());
  }
}
