package io.dockmaster.peering;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

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

  private final KeyPair keys;
  private final X509Certificate certificate;
  private final Clock clock;

  private AgentCertificateAuthority(KeyPair keys, X509Certificate certificate, Clock clock) {
    this.keys = keys;
    this.certificate = certificate;
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
    KeyPair keys = P256Keys.generate();
    X500Name name = commonName(COMMON_NAME);
    Instant now = clock.instant();
    try {
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  name,
                  serial(),
                  Date.from(now.minus(BACKDATE)),
                  Date.from(now.plus(validity)),
                  name,
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
      return new AgentCertificateAuthority(keys, sign(builder, keys.getPrivate()), clock);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot create the agent CA", e);
    }
  }

  /**
   * A CA from the PEM texts of its Secret.
   *
   * @throws IllegalArgumentException naming what is wrong: not PEM, not a CA, key and certificate
   *     from different pairs, or expired
   */
  public static AgentCertificateAuthority fromPem(
      String certificatePem, String keyPem, Clock clock) {
    X509Certificate certificate = Pem.readCertificates(certificatePem, CERT_KEY).get(0);
    PrivateKey key = Pem.readPrivateKey(keyPem, KEY_KEY);
    if (certificate.getBasicConstraints() < 0) {
      throw new IllegalArgumentException(
          CERT_KEY + " is not a CA certificate (basicConstraints CA:FALSE)");
    }
    if (!belongTogether(certificate, key)) {
      throw new IllegalArgumentException(KEY_KEY + " is not the private key of " + CERT_KEY);
    }
    if (!certificate.getNotAfter().toInstant().isAfter(clock.instant())) {
      throw new IllegalArgumentException(
          CERT_KEY + " expired on " + certificate.getNotAfter().toInstant());
    }
    return new AgentCertificateAuthority(
        new KeyPair(certificate.getPublicKey(), key), certificate, clock);
  }

  public X509Certificate certificate() {
    return certificate;
  }

  public String certificatePem() {
    return Pem.certificate(certificate);
  }

  /** Only for the Secret; never log it. */
  String privateKeyPem() {
    return Pem.privateKey(keys.getPrivate());
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
    Instant caEnd = certificate.getNotAfter().toInstant();
    if (!caEnd.isAfter(now)) {
      throw new IllegalStateException(
          "the agent CA expired on "
              + caEnd
              + "; delete the Secret "
              + NAME
              + " and restart the operator to create a new one");
    }
    Instant notAfter = now.plus(validity);
    if (notAfter.isAfter(caEnd)) {
      notAfter = caEnd;
    }
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  certificate,
                  serial(),
                  Date.from(now.minus(BACKDATE)),
                  Date.from(notAfter),
                  commonName(name.commonName()),
                  key)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
              .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
              .addExtension(
                  Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(key))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  extensions.createAuthorityKeyIdentifier(certificate));
      return sign(builder, keys.getPrivate());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue a certificate for " + name, e);
    }
  }

  private static X500Name commonName(String value) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, value).build();
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(new JcaContentSignerBuilder(algorithm(issuer)).build(issuer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static String algorithm(PrivateKey key) {
    return switch (key.getAlgorithm().toUpperCase(Locale.ROOT)) {
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default ->
          throw new IllegalArgumentException(
              "unsupported CA key algorithm " + key.getAlgorithm() + "; expected EC or RSA");
    };
  }

  /** Signs a nonce with the key and checks it with the certificate. */
  private static boolean belongTogether(X509Certificate certificate, PrivateKey key) {
    byte[] nonce = new byte[32];
    new SecureRandom().nextBytes(nonce);
    try {
      String algorithm = algorithm(key);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(nonce);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(nonce);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  private static BigInteger serial() {
    return new BigInteger(127, new SecureRandom());
  }

  @Override
  public String toString() {
    // Never print the key.
    return "AgentCertificateAuthority["
        + certificate.getSubjectX500Principal().getName()
        + ", valid until "
        + certificate.getNotAfter().toInstant()
        + "]";
  }
}
