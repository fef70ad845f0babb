package io.dockmaster.peering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.pki.Pem;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class AgentCertificateAuthorityTest {

  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @Test
  void aNewCaIsAP256CaForTheRequestedValidity() {
    AgentCertificateAuthority ca = AgentCertificateAuthority.generate(Duration.ofDays(90), CLOCK);

    X509Certificate certificate = ca.certificate();
    assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=dockmaster-agent-ca");
    assertThat(certificate.getBasicConstraints()).isEqualTo(0);
    assertThat(certificate.getKeyUsage()[5]).as("keyCertSign").isTrue();
    assertThat(
            ((ECPublicKey) certificate.getPublicKey())
                .getParams()
                .getCurve()
                .getField()
                .getFieldSize())
        .isEqualTo(256);
    assertThat(certificate.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(90)));
    assertThat(
            AgentCertificateAuthority.generate(AgentCertificateAuthority.DEFAULT_VALIDITY, CLOCK)
                .certificate()
                .getNotAfter()
                .toInstant())
        .isEqualTo(NOW.plus(Duration.ofDays(3650)));
  }

  @Test
  void theOperatorIdentityIsAClientCertificateForADay() throws Exception {
    AgentCertificateAuthority ca = AgentCertificateAuthority.generate(Duration.ofDays(90), CLOCK);

    PeerIdentity operator = ca.issueOperatorIdentity();

    X509Certificate leaf = operator.leaf();
    leaf.verify(ca.certificate().getPublicKey());
    assertThat(operator.name()).isEqualTo(PeerName.operator());
    assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=dockmaster-operator");
    assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    assertThat(operator.notAfter()).isEqualTo(NOW.plus(Duration.ofHours(24)));
    assertThat(operator.privateKey().getAlgorithm()).isEqualTo("EC");
    assertThat(operator.toString())
        .contains("CN=dockmaster-operator")
        .doesNotContain(operator.privateKey().toString());
  }

  @Test
  void certificatesNeverOutliveTheCa() {
    AgentCertificateAuthority ca = AgentCertificateAuthority.generate(Duration.ofHours(2), CLOCK);

    PeerIdentity agent = ca.issueAgentIdentity("node-1", Duration.ofHours(24));

    assertThat(agent.notAfter()).isEqualTo(ca.certificate().getNotAfter().toInstant());
  }

  @Test
  void anExpiredCaRefusesToIssueAndSaysHowToReplaceIt() {
    AgentCertificateAuthority ca = AgentCertificateAuthority.generate(Duration.ofHours(1), CLOCK);
    AgentCertificateAuthority later =
        AgentCertificateAuthority.fromPem(ca.certificatePem(), ca.privateKeyPem(), CLOCK);
    Clock twoHoursLater = Clock.offset(CLOCK, Duration.ofHours(2));

    assertThatThrownBy(
            () ->
                AgentCertificateAuthority.fromPem(
                    ca.certificatePem(), ca.privateKeyPem(), twoHoursLater))
        .hasMessage("ca.crt expired on " + NOW.plus(Duration.ofHours(1)));
    assertThat(later.certificate()).isEqualTo(ca.certificate());
  }

  @Test
  void readsBackWhatItStores() {
    AgentCertificateAuthority ca = AgentCertificateAuthority.generate(Duration.ofDays(1), CLOCK);

    AgentCertificateAuthority read =
        AgentCertificateAuthority.fromPem(ca.certificatePem(), ca.privateKeyPem(), CLOCK);

    assertThat(read.certificate()).isEqualTo(ca.certificate());
    assertThat(ca.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(ca.toString()).doesNotContain("PRIVATE");
  }

  @Test
  void refusesAKeyFromAnotherPairOrACertificateThatIsNoCa() {
    AgentCertificateAuthority ca = AgentCertificateAuthority.generate(Duration.ofDays(1), CLOCK);
    AgentCertificateAuthority other = AgentCertificateAuthority.generate(Duration.ofDays(1), CLOCK);
    PeerIdentity agent = ca.issueAgentIdentity("node-1", Duration.ofHours(1));

    assertThatThrownBy(
            () ->
                AgentCertificateAuthority.fromPem(
                    ca.certificatePem(), other.privateKeyPem(), CLOCK))
        .hasMessage("ca.key is not the private key of ca.crt");
    assertThatThrownBy(
            () ->
                AgentCertificateAuthority.fromPem(
                    Pem.certificate(agent.leaf()), Pem.privateKey(agent.privateKey()), CLOCK))
        .hasMessage("ca.crt is not a CA certificate (basicConstraints CA:FALSE)");
    assertThatThrownBy(() -> AgentCertificateAuthority.fromPem("", ca.privateKeyPem(), CLOCK))
        .hasMessage("ca.crt holds no PEM certificate");
  }

  @Test
  void validityMustBePositive() {
    assertThatThrownBy(() -> AgentCertificateAuthority.generate(Duration.ZERO, CLOCK))
        .hasMessage("CA validity must be positive, got PT0S");
  }
}
