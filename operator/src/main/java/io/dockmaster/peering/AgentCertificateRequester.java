package io.dockmaster.peering;

import io.dockmaster.pki.P256Keys;
import io.dockmaster.pki.Pem;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets an agent its certificate through the Kubernetes CertificateSigningRequest API: a new P-256
 * key that never leaves memory, a request for {@code CN=dockmaster-agent:<node>} to signer {@value
 * AgentCsrSigner#signerName(String)}, then a wait until the operator signs or denies it.
 *
 * <p>The agent does not delete its requests (that would need {@code delete} on every request in the
 * cluster); the cluster's csrcleaner removes them an hour after they are signed.
 */
public final class AgentCertificateRequester {

  public static final Duration DEFAULT_VALIDITY = Duration.ofHours(24);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

  private static final Logger log = LoggerFactory.getLogger(AgentCertificateRequester.class);
  private static final String PREFIX = "dockmaster-agent-";
  private static final int HASH_CHARACTERS = 10;
  private static final int MAX_NAME = 253;

  private final KubernetesClient client;
  private final PeerName agent;
  private final String signerName;
  private final Duration validity;
  private final Duration timeout;

  /**
   * @param namespace the operator's namespace, which names the signer of this install
   */
  public AgentCertificateRequester(KubernetesClient client, String namespace, String nodeName) {
    this(client, namespace, nodeName, DEFAULT_VALIDITY, DEFAULT_TIMEOUT);
  }

  /**
   * @param validity asked for in {@code spec.expirationSeconds}; the signer may issue less
   * @param timeout how long {@link #request()} waits for the signer
   * @throws IllegalArgumentException when the node name is invalid or the validity under 10m
   */
  public AgentCertificateRequester(
      KubernetesClient client,
      String namespace,
      String nodeName,
      Duration validity,
      Duration timeout) {
    this.client = client;
    this.signerName = AgentCsrSigner.signerName(namespace);
    this.agent = PeerName.agent(nodeName);
    if (validity.compareTo(Duration.ofMinutes(10)) < 0) {
      throw new IllegalArgumentException(
          "agent certificate validity must be at least 10m, the Kubernetes minimum, got "
              + validity);
    }
    this.validity = validity;
    this.timeout = timeout;
  }

  /**
   * Requests a certificate for a new key and waits for it.
   *
   * @throws CertificateRequestException when the request is denied, fails, is not signed within the
   *     timeout, or cannot be created
   */
  public PeerIdentity request() throws CertificateRequestException {
    KeyPair keys = P256Keys.generate();
    String name = csrName(agent, keys.getPublic());
    try {
      client.certificates().v1().certificateSigningRequests().resource(csr(name, keys)).create();
    } catch (KubernetesClientException e) {
      throw new CertificateRequestException(
          "cannot create CertificateSigningRequest "
              + name
              + ": "
              + e.getMessage()
              + " (the agent's service account needs create, get, list and watch on"
              + " certificates.k8s.io certificatesigningrequests)",
          e);
    }
    log.info("requested a certificate for {} with CertificateSigningRequest {}", agent, name);
    CertificateSigningRequest answered = await(name);
    List<X509Certificate> chain = issued(name, answered);
    X509Certificate leaf = chain.get(0);
    if (!Arrays.equals(leaf.getPublicKey().getEncoded(), keys.getPublic().getEncoded())) {
      throw new CertificateRequestException(
          "CertificateSigningRequest " + name + " was answered with a certificate for another key");
    }
    PeerIdentity identity = new PeerIdentity(keys.getPrivate(), chain);
    if (!identity.name().equals(agent)) {
      throw new CertificateRequestException(
          "CertificateSigningRequest "
              + name
              + " was answered with a certificate for "
              + identity.name()
              + ", not "
              + agent);
    }
    log.info("received {}", identity);
    return identity;
  }

  private CertificateSigningRequest await(String name) throws CertificateRequestException {
    try {
      return client
          .certificates()
          .v1()
          .certificateSigningRequests()
          .withName(name)
          .waitUntilCondition(
              csr -> csr == null || answered(csr.getStatus()),
              timeout.toMillis(),
              TimeUnit.MILLISECONDS);
    } catch (KubernetesClientTimeoutException e) {
      throw new CertificateRequestException(
          "CertificateSigningRequest "
              + name
              + " was neither signed nor denied within "
              + timeout
              + "; check that the operator is running (its leader signs "
              + signerName
              + " requests) and look at its log",
          e);
    } catch (KubernetesClientException e) {
      throw new CertificateRequestException(
          "cannot watch CertificateSigningRequest " + name + ": " + e.getMessage(), e);
    }
  }

  private static List<X509Certificate> issued(String name, CertificateSigningRequest csr)
      throws CertificateRequestException {
    if (csr == null) {
      throw new CertificateRequestException(
          "CertificateSigningRequest " + name + " was deleted before it was signed");
    }
    CertificateSigningRequestStatus status = csr.getStatus();
    for (String refusal : List.of("Denied", "Failed")) {
      Optional<CertificateSigningRequestCondition> condition = condition(status, refusal);
      if (condition.isPresent()) {
        throw new CertificateRequestException(
            "CertificateSigningRequest "
                + name
                + " was "
                + refusal.toLowerCase(Locale.ROOT)
                + ": "
                + condition.get().getMessage());
      }
    }
    try {
      String pem =
          new String(
              Base64.getDecoder().decode(status.getCertificate()), StandardCharsets.US_ASCII);
      return Pem.readChain(pem, "status.certificate of " + name);
    } catch (IllegalArgumentException e) {
      throw new CertificateRequestException(
          "CertificateSigningRequest "
              + name
              + " holds an unreadable certificate: "
              + e.getMessage(),
          e);
    }
  }

  private CertificateSigningRequest csr(String name, KeyPair keys) {
    String pem = Pem.request(pkcs10(keys, agent));
    return new CertificateSigningRequestBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels("app.kubernetes.io/name", "dockmaster")
        .addToLabels("app.kubernetes.io/component", "agent")
        .endMetadata()
        .withNewSpec()
        .withSignerName(signerName)
        .withRequest(Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII)))
        .withUsages(CsrReview.USAGES)
        .withExpirationSeconds((int) validity.toSeconds())
        .endSpec()
        .build();
  }

  /** A PKCS#10 request for exactly {@code CN=<peer>}, signed with its own key. */
  static PKCS10CertificationRequest pkcs10(KeyPair keys, PeerName peer) {
    try {
      return new JcaPKCS10CertificationRequestBuilder(
              new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, peer.commonName()).build(),
              keys.getPublic())
          .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
    } catch (OperatorCreationException e) {
      throw new IllegalStateException("cannot sign a certificate request", e);
    }
  }

  /**
   * {@code dockmaster-agent-<node>-<hash of the key>}: unique per key, so a retry or a restarted
   * agent never collides with an earlier request.
   */
  static String csrName(PeerName agent, PublicKey key) {
    String hash;
    try {
      hash =
          HexFormat.of()
              .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()))
              .substring(0, HASH_CHARACTERS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    String node = agent.node().orElseThrow();
    int room = MAX_NAME - PREFIX.length() - 1 - HASH_CHARACTERS;
    if (node.length() > room) {
      node = node.substring(0, room).replaceAll("[-.]+$", "");
    }
    return PREFIX + node + "-" + hash;
  }

  private static boolean answered(CertificateSigningRequestStatus status) {
    return status != null
        && ((status.getCertificate() != null && !status.getCertificate().isEmpty())
            || condition(status, "Denied").isPresent()
            || condition(status, "Failed").isPresent());
  }

  private static Optional<CertificateSigningRequestCondition> condition(
      CertificateSigningRequestStatus status, String type) {
    if (status == null || status.getConditions() == null) {
      return Optional.empty();
    }
    return status.getConditions().stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst();
  }
}
