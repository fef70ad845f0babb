package io.dockmaster.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.Test;

class LeafCertificateTest {

  private static final Instant START = TestChain.FIXED_START;
  private static final Instant END = START.plus(Duration.ofDays(1));
  private static final CertificateAuthority CA = TestChain.fixedAuthority();

  @Test
  void aServerLeafCarriesItsNamesUsagesAndAuthorityAndChainsToItsCa() throws Exception {
    KeyPair keys = P256Keys.generate();

    X509Certificate leaf =
        LeafCertificate.forKey(keys.getPublic(), X500Names.commonName("a.example"), START, END)
            .keyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement)
            .extendedKeyUsage(KeyPurposeId.id_kp_serverAuth)
            .dnsNames(List.of("a.example", "b.example"))
            .ipAddress("127.0.0.1")
            .signedBy(CA);

    assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=a.example");
    assertThat(leaf.getIssuerX500Principal()).isEqualTo(CA.certificate().getSubjectX500Principal());
    assertThat(leaf.getPublicKey()).isEqualTo(keys.getPublic());
    assertThat(leaf.getBasicConstraints()).as("not a CA").isEqualTo(-1);
    assertThat(Arrays.copyOf(leaf.getKeyUsage(), 5))
        .as("digitalSignature and keyAgreement only")
        .containsExactly(true, false, false, false, true);
    assertThat(leaf.getCriticalExtensionOIDs())
        .containsExactlyInAnyOrder(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
    assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(leaf.getSubjectAlternativeNames())
        .containsExactlyInAnyOrder(
            List.of(2, "a.example"), List.of(2, "b.example"), List.of(7, "127.0.0.1"));
    assertThat(leaf.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNull();
    assertThat(authorityKeyId(leaf)).isEqualTo(subjectKeyId(CA.certificate()));
    assertThat(leaf.getNotBefore().toInstant()).isEqualTo(START);
    assertThat(leaf.getNotAfter().toInstant()).isEqualTo(END);
    validate(leaf, CA.certificate());
  }

  @Test
  void aClientAndServerLeafCanCarryItsOwnKeyIdentifierAndNoNames() throws Exception {
    KeyPair keys = P256Keys.generate();

    X509Certificate leaf =
        LeafCertificate.forKey(keys.getPublic(), X500Names.commonName("peer:a"), START, END)
            .keyUsage(KeyUsage.digitalSignature)
            .extendedKeyUsage(KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth)
            .subjectKeyIdentifier()
            .signedBy(CA);

    assertThat(leaf.getExtendedKeyUsage())
        .containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(leaf.getSubjectAlternativeNames()).isNull();
    assertThat(subjectKeyId(leaf)).isNotNull().isNotEqualTo(subjectKeyId(CA.certificate()));
    validate(leaf, CA.certificate());
  }

  @Test
  void aLeafDoesNotChainToAnotherCa() throws Exception {
    CertificateAuthority other = TestChain.fixedAuthority();
    X509Certificate leaf =
        LeafCertificate.forKey(
                P256Keys.generate().getPublic(), X500Names.commonName("a"), START, END)
            .keyUsage(KeyUsage.digitalSignature)
            .signedBy(CA);

    assertThatThrownBy(() -> validate(leaf, other.certificate()))
        .isInstanceOf(CertPathValidatorException.class);
  }

  @Test
  void aCommonNameKeepsItsCommasAndEqualsSigns() {
    X509Certificate leaf =
        LeafCertificate.forKey(
                P256Keys.generate().getPublic(), X500Names.commonName("a,O=b"), START, END)
            .signedBy(CA);

    assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=a\\,O\\=b");
  }

  @Test
  void aLeafMustEndAfterItStarts() {
    KeyPair keys = P256Keys.generate();

    assertThatThrownBy(
            () -> LeafCertificate.forKey(keys.getPublic(), X500Names.commonName("a"), END, END))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a certificate for CN=a must end after it starts, got " + END + " to " + END);
  }

  private static void validate(X509Certificate leaf, X509Certificate anchor) throws Exception {
    PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
    parameters.setRevocationEnabled(false);
    parameters.setDate(Date.from(START.plus(Duration.ofHours(1))));
    CertPathValidator.getInstance("PKIX")
        .validate(
            CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
  }

  private static byte[] subjectKeyId(X509Certificate certificate) {
    byte[] extension = certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId());
    return extension == null
        ? null
        : SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(extension).getOctets())
            .getKeyIdentifier();
  }

  private static byte[] authorityKeyId(X509Certificate certificate) {
    byte[] extension = certificate.getExtensionValue(Extension.authorityKeyIdentifier.getId());
    return AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(extension).getOctets())
        .getKeyIdentifier();
  }
}
