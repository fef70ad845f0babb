package io.dockmaster.peering;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.pki.Pem;
import io.dockmaster.testing.TestKeys;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestSpec;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestSpecBuilder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

class CsrReviewTest {

  private static final String AGENT_USER = AgentCsrPolicy.DEFAULT_REQUESTER;
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final AgentCertificateAuthority CA =
      AgentCertificateAuthority.generate(Duration.ofDays(3650), CLOCK);

  private final CsrReview review = new CsrReview(AgentCsrPolicy.of(List.of(AGENT_USER)));

  @Test
  void aWellFormedRequestIsIssuedACertificateThatChainsToTheCa() throws Exception {
    KeyPair keys = TestKeys.ec("secp256r1");

    CsrDecision decision = review.review(spec(request(keys, "CN=dockmaster-agent:node-1"), 3600));

    assertThat(decision).isInstanceOf(CsrDecision.Approve.class);
    CsrDecision.Approve approve = (CsrDecision.Approve) decision;
    assertThat(approve.agent()).isEqualTo(PeerName.agent("node-1"));
    assertThat(approve.validity()).isEqualTo(Duration.ofHours(1));
    X509Certificate issued =
        CA.issueAgentCertificate(approve.key(), approve.agent(), approve.validity());
    issued.verify(CA.certificate().getPublicKey());
    assertThat(issued.getPublicKey().getEncoded()).isEqualTo(keys.getPublic().getEncoded());
    assertThat(issued.getSubjectX500Principal().getName()).isEqualTo("CN=dockmaster-agent:node-1");
    assertThat(issued.getIssuerX500Principal())
        .isEqualTo(CA.certificate().getSubjectX500Principal());
    assertThat(issued.getExtendedKeyUsage())
        .containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    boolean[] keyUsage = issued.getKeyUsage();
    assertThat(keyUsage[0]).as("digitalSignature").isTrue();
    assertThat(keyUsage[2]).as("keyEncipherment").isFalse();
    assertThat(keyUsage[5]).as("keyCertSign").isFalse();
    assertThat(issued.getBasicConstraints()).isEqualTo(-1);
    assertThat(issued.getSubjectAlternativeNames()).isNull();
    assertThat(issued.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofHours(1)));
    assertThat(issued.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofMinutes(5)));
  }

  @Test
  void validityIsCappedAtTheMaximumAndDefaultsToIt() {
    KeyPair keys = TestKeys.ec("secp256r1");
    String pem = request(keys, "CN=dockmaster-agent:node-1");

    assertThat(approved(spec(pem, 7 * 24 * 3600)).validity()).isEqualTo(Duration.ofHours(24));
    assertThat(approved(spec(pem, null)).validity()).isEqualTo(Duration.ofHours(24));
  }

  @Test
  void rsaKeysOf2048BitsAreAccepted() {
    String pem = request(TestKeys.rsa(2048), "CN=dockmaster-agent:node-1");

    assertThat(approved(spec(pem, 3600)).agent()).isEqualTo(PeerName.agent("node-1"));
  }

  @Test
  void deniesAnotherRequesterNamingWhoIsExpected() {
    CertificateSigningRequestSpec spec =
        new CertificateSigningRequestSpecBuilder(spec(agentRequest("node-1"), 3600))
            .withUsername("system:serviceaccount:default:intruder")
            .build();

    assertThat(denial(spec))
        .isEqualTo(
            "requested by user system:serviceaccount:default:intruder, expected " + AGENT_USER);
  }

  @Test
  void namesEveryAllowedRequesterWhenThereAreSeveral() {
    CsrReview several =
        new CsrReview(AgentCsrPolicy.of(List.of(AGENT_USER, "system:serviceaccount:x:agent")));
    CertificateSigningRequestSpec spec =
        new CertificateSigningRequestSpecBuilder(spec(agentRequest("node-1"), 3600))
            .withUsername("mallory")
            .build();

    assertThat(several.review(spec))
        .isEqualTo(
            new CsrDecision.Deny(
                "requested by user mallory, expected one of ["
                    + AGENT_USER
                    + ", system:serviceaccount:x:agent]"));
  }

  @Test
  void deniesAnyOtherCommonName() {
    KeyPair keys = TestKeys.ec("secp256r1");

    assertThat(denial(spec(request(keys, "CN=node-1"), 3600)))
        .isEqualTo(
            "the subject's common name \"node-1\" is neither dockmaster-operator nor"
                + " dockmaster-agent:<node name>, expected exactly CN=dockmaster-agent:<node name>");
    assertThat(denial(spec(request(keys, "CN=dockmaster-operator"), 3600)))
        .startsWith("the subject is the operator's, which is never issued by request");
    assertThat(denial(spec(request(keys, "CN=dockmaster-agent:Node_1"), 3600)))
        .startsWith("the subject's \"Node_1\" is not a Kubernetes node name");
  }

  @Test
  void deniesSubjectsWithMoreThanTheCommonName() {
    String pem = request(TestKeys.ec("secp256r1"), "O=system:masters,CN=dockmaster-agent:node-1");

    assertThat(denial(spec(pem, 3600)))
        .isEqualTo(
            "the subject is \"O=system:masters,CN=dockmaster-agent:node-1\", expected exactly"
                + " CN=dockmaster-agent:<node name>");
  }

  @Test
  void deniesSubjectAlternativeNames() {
    String pem =
        request(
            TestKeys.ec("secp256r1"),
            "CN=dockmaster-agent:node-1",
            new GeneralName(GeneralName.dNSName, "kubernetes.default.svc"),
            new GeneralName(GeneralName.iPAddress, "10.0.0.1"));

    assertThat(denial(spec(pem, 3600)))
        .startsWith("the request asks for subject alternative names [")
        .contains("kubernetes.default.svc")
        .endsWith(" but agents are identified by their common name only: request none");
  }

  @Test
  void deniesAnyOtherSetOfUsages() {
    CertificateSigningRequestSpec spec =
        new CertificateSigningRequestSpecBuilder(spec(agentRequest("node-1"), 3600))
            .withUsages("digital signature", "server auth", "client auth", "cert sign")
            .build();
    CertificateSigningRequestSpec onlyServer =
        new CertificateSigningRequestSpecBuilder(spec)
            .withUsages("digital signature", "server auth", "server auth")
            .build();

    assertThat(denial(spec))
        .isEqualTo(
            "spec.usages are [digital signature, server auth, client auth, cert sign], expected"
                + " exactly [digital signature, server auth, client auth]");
    assertThat(denial(onlyServer))
        .startsWith("spec.usages are [digital signature, server auth, server auth]");
  }

  @Test
  void deniesWeakKeys() {
    assertThat(denial(spec(request(TestKeys.rsa(1024), "CN=dockmaster-agent:node-1"), 3600)))
        .isEqualTo(
            "the key is RSA with 1024 bits, expected ECDSA P-256 or RSA with at least 2048 bits");
    assertThat(denial(spec(request(TestKeys.ec("secp384r1"), "CN=dockmaster-agent:node-1"), 3600)))
        .isEqualTo("the key is EC on curve secp384r1, expected ECDSA P-256 or RSA 2048+");
  }

  @Test
  void deniesARequestNotSignedByItsOwnKey() throws Exception {
    KeyPair claimed = TestKeys.ec("secp256r1");
    KeyPair other = TestKeys.ec("secp256r1");
    String pem =
        Pem.request(
            new JcaPKCS10CertificationRequestBuilder(
                    new X500Name("CN=dockmaster-agent:node-1"), claimed.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(other.getPrivate())));

    assertThat(denial(spec(pem, 3600)))
        .isEqualTo("the request's signature does not verify with its own public key");
  }

  @Test
  void deniesWhatIsNotACertificateRequest() {
    CertificateSigningRequestSpec notBase64 =
        new CertificateSigningRequestSpecBuilder(spec(agentRequest("node-1"), 3600))
            .withRequest("%%%")
            .build();
    CertificateSigningRequestSpec aCertificate =
        new CertificateSigningRequestSpecBuilder(notBase64)
            .withRequest(base64(CA.certificatePem()))
            .build();

    assertThat(denial(notBase64)).isEqualTo("spec.request is not base64");
    assertThat(denial(aCertificate))
        .isEqualTo(
            "spec.request holds no PEM block \"CERTIFICATE REQUEST\" (a PKCS#10 certificate"
                + " request)");
  }

  @Test
  void aTokenBoundToTheNodeMustMatchTheRequestedNode() {
    CertificateSigningRequestSpec fromNode2 =
        new CertificateSigningRequestSpecBuilder(spec(agentRequest("node-1"), 3600))
            .withExtra(Map.of(CsrReview.NODE_NAME_EXTRA, List.of("node-2")))
            .build();
    CertificateSigningRequestSpec unbound =
        new CertificateSigningRequestSpecBuilder(fromNode2).withExtra(Map.of()).build();

    assertThat(denial(fromNode2))
        .isEqualTo("the requester runs on node node-2 but asks for a certificate for node node-1");
    assertThat(denial(unbound))
        .startsWith("the requester's token names no node (authentication.kubernetes.io/node-name)");
    CsrReview lenient = new CsrReview(AgentCsrPolicy.of(List.of(AGENT_USER)).withoutNodeBinding());
    assertThat(lenient.review(unbound)).isInstanceOf(CsrDecision.Approve.class);
    assertThat(lenient.review(fromNode2))
        .as("a token that names a node must match even when binding is optional")
        .isInstanceOf(CsrDecision.Deny.class);
  }

  @Test
  void listsEveryProblemAtOnce() {
    CertificateSigningRequestSpec spec =
        new CertificateSigningRequestSpecBuilder(
                spec(request(TestKeys.rsa(1024), "CN=someone"), 3600))
            .withUsername("mallory")
            .withUsages("client auth")
            .build();

    assertThat(denial(spec).split("; "))
        .hasSize(4)
        .anySatisfy(p -> assertThat(p).startsWith("requested by user mallory"))
        .anySatisfy(p -> assertThat(p).startsWith("the key is RSA with 1024 bits"))
        .anySatisfy(p -> assertThat(p).startsWith("the subject's common name \"someone\""))
        .anySatisfy(p -> assertThat(p).startsWith("spec.usages are [client auth]"));
  }

  private CsrDecision.Approve approved(CertificateSigningRequestSpec spec) {
    CsrDecision decision = review.review(spec);
    assertThat(decision).isInstanceOf(CsrDecision.Approve.class);
    return (CsrDecision.Approve) decision;
  }

  private String denial(CertificateSigningRequestSpec spec) {
    CsrDecision decision = review.review(spec);
    assertThat(decision).isInstanceOf(CsrDecision.Deny.class);
    return ((CsrDecision.Deny) decision).message();
  }

  private static String agentRequest(String node) {
    return request(TestKeys.ec("secp256r1"), "CN=dockmaster-agent:" + node);
  }

  /** A spec as the API server stores it for the agent's service account on node-1. */
  private static CertificateSigningRequestSpec spec(String requestPem, Integer expirationSeconds) {
    return new CertificateSigningRequestSpecBuilder()
        .withSignerName(AgentCsrSigner.signerName("dockmaster"))
        .withRequest(base64(requestPem))
        .withUsages(CsrReview.USAGES)
        .withExpirationSeconds(expirationSeconds)
        .withUsername(AGENT_USER)
        .withExtra(Map.of(CsrReview.NODE_NAME_EXTRA, List.of("node-1")))
        .build();
  }

  static String request(KeyPair keys, String subject, GeneralName... alternativeNames) {
    try {
      PKCS10CertificationRequestBuilder builder =
          new JcaPKCS10CertificationRequestBuilder(new X500Name(subject), keys.getPublic());
      if (alternativeNames.length > 0) {
        ExtensionsGenerator extensions = new ExtensionsGenerator();
        extensions.addExtension(
            Extension.subjectAlternativeName, false, new GeneralNames(alternativeNames));
        builder.addAttribute(
            PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
      }
      String algorithm =
          keys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      return Pem.request(
          builder.build(new JcaContentSignerBuilder(algorithm).build(keys.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
  }
}
