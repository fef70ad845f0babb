package io.dockmaster.peering;

import io.dockmaster.pki.CertificateAuthority;
import io.dockmaster.pki.LeafCertificate;
import io.dockmaster.pki.P256Keys;
import io.dockmaster.pki.Pem;
import io.dockmaster.pki.Signing;
import io.dockmaster.pki.X500Names;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * The CA that issues every peer certificate: the agents' (through {@link AgentCsrSigner}) and the
 * operator's own client certificate. Its key is kept in the Secret {@value #NAME}; its certificate
 * is published in the ConfigMap of the same name so agents can trust it without reading Secrets.
 */
public final class AgentCertificateAuthority {

  /** The name of both the Secret (certificate and key) and the ConfigMap (certificate only). */
  public static final String NAME = "dockmaster-agent-ca";

  public static final String CERT_KEY = "ca.crt";
  public static final String KEY_KEY = "ca.key";

  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(3650);
  public static final Duration OPERATOR_VALIDITY = Duration.ofHours(24);

  /** Tolerates peers whose clocks are a little behind ours. */
  static final Duration BACKDATE = Duration.ofMinutes(5);

  private static final String COMMON_NAME = "dockmaster-agent-ca";

  private final CertificateAuthority authority;
  private final Clock clock;

  private AgentCertificateAuthority(CertificateAuthority authority, Clock clock) {
    this.authority = authority;
    this.clock = clock;
  }

  /**
   * Reads the CA from its Secret in {@code namespace}, or creates a new one valid for ten years;
   * then publishes its certificate in the ConfigMap.
   */
  public static AgentCertificateAuthority loadOrCreate(KubernetesClient client, String namespace) {
    return loadOrCreate(client, namespace, DEFAULT_VALIDITY, Clock.systemUTC());
  }

  /**
   * When two operator replicas race to create the Secret, the loser reads the winner's, so both end
   * up with the same CA.
   *
   * @param validity how long a newly created CA is valid; an existing one is used as it is
   * @throws IllegalStateException when the Secret exists but does not hold a usable CA
   */
  public static AgentCertificateAuthority loadOrCreate(
      KubernetesClient client, String namespace, Duration validity, Clock clock) {
    return new CaStore(client, namespace).loadOrCreate(() -> generate(validity, clock), clock);
  }

  /**
   * The CA certificate the operator published, for agents to trust.
   *
   * @throws IllegalStateException when the ConfigMap is missing or unreadable
   */
  public static X509Certificate publishedCertificate(KubernetesClient client, String namespace) {
    return new CaStore(client, namespace).readPublished();
  }

  /** A new self-signed ECDSA P-256 CA, not stored anywhere. */
  public static AgentCertificateAuthority generate(Duration validity, Clock clock) {
    if (validity.isNegative() || validity.isZero()) {
      throw new IllegalArgumentException("CA validity must be positive, got " + validity);
    }
    Instant now = clock.instant();
    return new AgentCertificateAuthority(
        CertificateAuthority.selfSigned(
            X500Names.commonName(COMMON_NAME), now.minus(BACKDATE), now.plus(validity)),
        clock);
  }

  /**
   * A CA from the PEM texts of its Secret.
   *
   * @throws IllegalArgumentException naming what is wrong: not PEM, not a CA, key and certificate
   *     from different pairs, or expired
   */
  public static AgentCertificateAuthority fromPem(
      String certificatePem, String keyPem, Clock clock) {
    X509Certificate certificate = Pem.readChain(certificatePem, CERT_KEY).get(0);
    PrivateKey key = Pem.readPrivateKey(keyPem, KEY_KEY);
    if (certificate.getBasicConstraints() < 0) {
      throw new IllegalArgumentException(
          CERT_KEY + " is not a CA certificate (basicConstraints CA:FALSE)");
    }
    if (!Signing.keyMatches(certificate, key)) {
      throw new IllegalArgumentException(KEY_KEY + " is not the private key of " + CERT_KEY);
    }
    if (!certificate.getNotAfter().toInstant().isAfter(clock.instant())) {
      throw new IllegalArgumentException(
          CERT_KEY + " expired on " + certificate.getNotAfter().toInstant());
    }
    return new AgentCertificateAuthority(new CertificateAuthority(certificate, key), clock);
  }

  public X509Certificate certificate() {
    return authority.certificate();
  }

  public String certificatePem() {
    return Pem.certificate(authority.certificate());
  }

  /** Only for the Secret; never log it. */
  String privateKeyPem() {
    return Pem.privateKey(authority.key());
  }

  /**
   * A new key and a client certificate for {@value PeerName#OPERATOR}, valid {@link
   * #OPERATOR_VALIDITY}: what the operator presents when it calls agents.
   */
  public PeerIdentity issueOperatorIdentity() {
    KeyPair operator = P256Keys.generate();
    X509Certificate leaf =
        issue(
            operator.getPublic(),
            PeerName.operator(),
            OPERATOR_VALIDITY,
            KeyPurposeId.id_kp_clientAuth);
    return new PeerIdentity(operator.getPrivate(), List.of(leaf));
  }

  /**
   * A new key and certificate for an agent without the CertificateSigningRequest round trip, for
   * local runs and tests; in a cluster agents use {@link AgentCertificateRequester}.
   */
  public PeerIdentity issueAgentIdentity(String node, Duration validity) {
    KeyPair agent = P256Keys.generate();
    return new PeerIdentity(
        agent.getPrivate(),
        List.of(issueAgentCertificate(agent.getPublic(), PeerName.agent(node), validity)));
  }

  /**
   * An agent certificate (server and client) for a key whose request {@link CsrReview} accepted.
   * Its lifetime ends at the CA's at the latest.
   */
  X509Certificate issueAgentCertificate(PublicKey key, PeerName agent, Duration validity) {
    if (agent.isOperator()) {
      throw new IllegalArgumentException("agent certificates are for agents, not " + agent);
    }
    return issue(
        key, agent, validity, KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth);
  }

  private X509Certificate issue(
      PublicKey key, PeerName name, Duration validity, KeyPurposeId... purposes) {
    if (validity.isNegative() || validity.isZero()) {
      throw new IllegalArgumentException("certificate validity must be positive, got " + validity);
    }
    Instant now = clock.instant();
    if (!authority.notAfter().isAfter(now)) {
      throw new IllegalStateException(
          "the agent CA expired on "
              + authority.notAfter()
              + "; delete the Secret "
              + NAME
              + " and restart the operator to create a new one");
    }
    return LeafCertificate.forKey(
            key,
            X500Names.commonName(name.commonName()),
            now.minus(BACKDATE),
            authority.endNoLaterThan(now.plus(validity)))
        .keyUsage(KeyUsage.digitalSignature)
        .extendedKeyUsage(purposes)
        .subjectKeyIdentifier()
        .signedBy(authority);
  }

  @Override
  public String toString() {
    // Never print the key.
    return "AgentCertificateAuthority["
        + authority.certificate().getSubjectX500Principal().getName()
        + ", valid until "
        + authority.notAfter()
        + "]";
  }
}
