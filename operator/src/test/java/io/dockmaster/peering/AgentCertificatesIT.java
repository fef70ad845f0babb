package io.dockmaster.peering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.pki.P256Keys;
import io.dockmaster.pki.Pem;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CA's Secret and ConfigMap, and the CertificateSigningRequest round trip between {@link
 * AgentCertificateRequester} and {@link AgentCsrSigner}, against a real API server (which runs the
 * CertificateApproval and CertificateSigning admission checks, but no controller-manager).
 */
@EnableKubeAPIServer
class AgentCertificatesIT {

  private static final String NAMESPACE = "dockmaster";

  static KubernetesClient client;

  /** Who the API server says this test's client is, as it records it in spec.username. */
  static String requester;

  @BeforeAll
  static void namespaceAndRequester() {
    namespace(NAMESPACE);
    CertificateSigningRequest probe =
        client
            .certificates()
            .v1()
            .certificateSigningRequests()
            .resource(
                csr(
                    "probe",
                    "example.com/probe",
                    CsrReviewTest.request(P256Keys.generate(), "CN=dockmaster-agent:probe")))
            .create();
    requester = probe.getSpec().getUsername();
    assertThat(requester).isNotBlank();
    client.certificates().v1().certificateSigningRequests().withName("probe").delete();
  }

  @Test
  void loadOrCreateKeepsOneCaAndPublishesOnlyItsCertificate() {
    AgentCertificateAuthority first = AgentCertificateAuthority.loadOrCreate(client, NAMESPACE);
    AgentCertificateAuthority second = AgentCertificateAuthority.loadOrCreate(client, NAMESPACE);

    assertThat(second.certificate()).isEqualTo(first.certificate());
    Secret secret = client.secrets().inNamespace(NAMESPACE).withName("dockmaster-agent-ca").get();
    assertThat(secret.getType()).isEqualTo("Opaque");
    assertThat(secret.getImmutable()).isTrue();
    assertThat(secret.getData()).containsOnlyKeys("ca.crt", "ca.key");
    ConfigMap published =
        client.configMaps().inNamespace(NAMESPACE).withName("dockmaster-agent-ca").get();
    assertThat(published.getData()).containsOnlyKeys("ca.crt");
    assertThat(published.getData().get("ca.crt"))
        .isEqualTo(first.certificatePem())
        .doesNotContain("PRIVATE KEY");
    assertThat(AgentCertificateAuthority.publishedCertificate(client, NAMESPACE))
        .isEqualTo(first.certificate());
  }

  @Test
  void replicasRacingToCreateTheCaEndUpWithTheSameOne() throws Exception {
    namespace("race");
    int replicas = 4;
    CyclicBarrier start = new CyclicBarrier(replicas);
    ExecutorService pool = Executors.newFixedThreadPool(replicas);
    try {
      List<Future<X509Certificate>> results = new ArrayList<>();
      for (int i = 0; i < replicas; i++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return AgentCertificateAuthority.loadOrCreate(client, "race").certificate();
                }));
      }
      X509Certificate winner = results.get(0).get(60, TimeUnit.SECONDS);
      for (Future<X509Certificate> result : results) {
        assertThat(result.get(60, TimeUnit.SECONDS)).isEqualTo(winner);
      }
      assertThat(AgentCertificateAuthority.publishedCertificate(client, "race")).isEqualTo(winner);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aDamagedSecretStopsTheOperatorInsteadOfBeingReplaced() {
    namespace("damaged");
    client
        .secrets()
        .inNamespace("damaged")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("dockmaster-agent-ca")
                .endMetadata()
                .addToStringData("ca.crt", "not a certificate")
                .addToStringData("ca.key", "not a key")
                .build())
        .create();

    assertThatThrownBy(() -> AgentCertificateAuthority.loadOrCreate(client, "damaged"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Secret damaged/dockmaster-agent-ca does not hold a usable agent CA: ca.crt holds no"
                + " PEM certificate. Restore it, or delete it so the operator creates a new CA when"
                + " it starts (every agent then requests a new certificate)");
  }

  @Test
  void agentsAskingBeforeTheCaIsPublishedAreToldToStartTheOperator() {
    namespace("empty");

    assertThatThrownBy(() -> AgentCertificateAuthority.publishedCertificate(client, "empty"))
        .hasMessage(
            "ConfigMap empty/dockmaster-agent-ca does not exist; the operator publishes it when it"
                + " starts, so start the operator first");
  }

  @Test
  void anAgentGetsAWorkingIdentityThroughACertificateSigningRequest() throws Exception {
    AgentCertificateAuthority ca = AgentCertificateAuthority.loadOrCreate(client, NAMESPACE);
    X509Certificate published = AgentCertificateAuthority.publishedCertificate(client, NAMESPACE);
    Instant before = Instant.now();

    PeerIdentity identity;
    try (AgentCsrSigner signer =
        signer(ca, new AgentCsrPolicy(List.of(requester), false, Duration.ofHours(24)))) {
      signer.start();
      identity = requester("node-1", Duration.ofSeconds(60)).request();
    }

    assertThat(identity.name()).isEqualTo(PeerName.agent("node-1"));
    identity.leaf().verify(published.getPublicKey());
    assertThat(identity.notAfter())
        .as("the hour the agent asked for, counted from when it was signed")
        .isBetween(
            before.plus(Duration.ofHours(1)).minusSeconds(1),
            Instant.now().plus(Duration.ofHours(1)).plusSeconds(1));
    CertificateSigningRequest csr = csrFor(identity);
    assertThat(csr.getMetadata().getName()).startsWith("dockmaster-agent-node-1-");
    assertThat(csr.getSpec().getExpirationSeconds()).isEqualTo(3600);
    assertThat(condition(csr, "Approved").getReason()).isEqualTo("AgentPolicySatisfied");
    assertThat(condition(csr, "Approved").getMessage())
        .isEqualTo(
            "dockmaster-agent:node-1 requested by "
                + requester
                + " meets the agent certificate policy");

    // The operator calls the agent with the identity it issues itself.
    PeerIdentity operator = ca.issueOperatorIdentity();
    Vertx vertx = Vertx.vertx();
    try {
      HttpServer server =
          vertx
              .createHttpServer(
                  new PeerTls(() -> identity, published)
                      .vertxServerOptions()
                      .setHost("127.0.0.1")
                      .setPort(0))
              .requestHandler(
                  request -> {
                    try {
                      request.response().end(PeerTls.peerOf(request.sslSession()).commonName());
                    } catch (Exception e) {
                      request.response().setStatusCode(403).end();
                    }
                  });
      server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      HttpResponse<String> response =
          new PeerTls(() -> operator, published)
              .httpClient(PeerName.agent("node-1"))
              .build()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("https://127.0.0.1:" + server.actualPort() + "/"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(response.body()).isEqualTo("dockmaster-operator");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRequestFromAnotherUserIsDeniedWithTheReason() throws Exception {
    AgentCertificateAuthority ca = AgentCertificateAuthority.loadOrCreate(client, NAMESPACE);

    try (AgentCsrSigner signer =
        signer(
            ca,
            AgentCsrPolicy.of(List.of(AgentCsrPolicy.DEFAULT_REQUESTER)).withoutNodeBinding())) {
      signer.start();
      assertThatThrownBy(() -> requester("node-2", Duration.ofSeconds(60)).request())
          .isInstanceOf(CertificateRequestException.class)
          .hasMessageStartingWith("CertificateSigningRequest dockmaster-agent-node-2-")
          .hasMessageEndingWith(
              " was denied: requested by user "
                  + requester
                  + ", expected system:serviceaccount:dockmaster:dockmaster-agent");
    }

    CertificateSigningRequest denied = onlyCsrFor("node-2");
    assertThat(condition(denied, "Denied").getReason()).isEqualTo("AgentPolicyViolated");
    assertThat(denied.getStatus().getCertificate()).isNullOrEmpty();
  }

  @Test
  void aTokenNotBoundToTheNodeIsDeniedWhenBindingIsRequired() throws Exception {
    AgentCertificateAuthority ca = AgentCertificateAuthority.loadOrCreate(client, NAMESPACE);

    try (AgentCsrSigner signer = signer(ca, AgentCsrPolicy.of(List.of(requester)))) {
      signer.start();
      assertThatThrownBy(() -> requester("node-3", Duration.ofSeconds(60)).request())
          .isInstanceOf(CertificateRequestException.class)
          .hasMessageContaining(
              "was denied: the requester's token names no node"
                  + " (authentication.kubernetes.io/node-name)");
    }
  }

  @Test
  void aRequestSomeoneElseApprovedIsStillCheckedBeforeSigning() throws Exception {
    AgentCertificateAuthority ca = AgentCertificateAuthority.loadOrCreate(client, NAMESPACE);
    String pem =
        CsrReviewTest.request(
            P256Keys.generate(),
            "CN=dockmaster-agent:node-4",
            new GeneralName(GeneralName.dNSName, "kubernetes.default.svc"));
    client
        .certificates()
        .v1()
        .certificateSigningRequests()
        .resource(csr("approved-elsewhere", AgentCsrSigner.signerName(NAMESPACE), pem))
        .create();
    client
        .certificates()
        .v1()
        .certificateSigningRequests()
        .withName("approved-elsewhere")
        .approve();

    try (AgentCsrSigner signer =
        signer(ca, new AgentCsrPolicy(List.of(requester), false, Duration.ofHours(24)))) {
      signer.start();
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                CertificateSigningRequest csr =
                    client
                        .certificates()
                        .v1()
                        .certificateSigningRequests()
                        .withName("approved-elsewhere")
                        .get();
                assertThat(condition(csr, "Failed").getMessage())
                    .startsWith("the request asks for subject alternative names [")
                    .contains("kubernetes.default.svc");
                assertThat(csr.getStatus().getCertificate()).isNullOrEmpty();
              });
    }
  }

  @Test
  void anAgentGivesUpWithAClearMessageWhenNobodySigns() {
    assertThatThrownBy(() -> requester("node-5", Duration.ofSeconds(3)).request())
        .isInstanceOf(CertificateRequestException.class)
        .hasMessageStartingWith("CertificateSigningRequest dockmaster-agent-node-5-")
        .hasMessageContaining(
            " was neither signed nor denied within PT3S; check that the operator is running (its"
                + " leader signs agents.dockmaster.io/"
                + NAMESPACE
                + " requests)");
  }

  private static AgentCsrSigner signer(AgentCertificateAuthority ca, AgentCsrPolicy policy) {
    return new AgentCsrSigner(client, NAMESPACE, ca, policy, Clock.systemUTC());
  }

  private static AgentCertificateRequester requester(String node, Duration timeout) {
    return new AgentCertificateRequester(client, NAMESPACE, node, Duration.ofHours(1), timeout);
  }

  private static CertificateSigningRequest csrFor(PeerIdentity identity) {
    return client.certificates().v1().certificateSigningRequests().list().getItems().stream()
        .filter(c -> c.getStatus() != null && c.getStatus().getCertificate() != null)
        .filter(
            c -> {
              String pem =
                  new String(
                      Base64.getDecoder().decode(c.getStatus().getCertificate()),
                      StandardCharsets.US_ASCII);
              return Pem.readCertificates(pem, "test").get(0).equals(identity.leaf());
            })
        .findFirst()
        .orElseThrow();
  }

  private static CertificateSigningRequest onlyCsrFor(String node) {
    List<CertificateSigningRequest> found =
        client.certificates().v1().certificateSigningRequests().list().getItems().stream()
            .filter(c -> c.getMetadata().getName().startsWith("dockmaster-agent-" + node + "-"))
            .toList();
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  private static CertificateSigningRequestCondition condition(
      CertificateSigningRequest csr, String type) {
    assertThat(csr.getStatus()).as("status of %s", csr.getMetadata().getName()).isNotNull();
    return csr.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " condition on " + csr.getStatus()));
  }

  private static CertificateSigningRequest csr(String name, String signer, String requestPem) {
    return new CertificateSigningRequestBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withSignerName(signer)
        .withRequest(
            Base64.getEncoder().encodeToString(requestPem.getBytes(StandardCharsets.US_ASCII)))
        .withUsages(CsrReview.USAGES)
        .endSpec()
        .build();
  }

  private static void namespace(String name) {
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }
}
