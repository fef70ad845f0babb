package io.dockmaster.admission;

import static io.dockmaster.admission.Workloads.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dockmaster.policy.PodUnderReview;
import io.dockmaster.testing.Kubectl;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubeapitest.junit.KubeConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook behind a real API server, with a reviewer that judges by image name: registration,
 * every admitted kind, the ephemeral-containers subresource, exempt namespaces, warnings as the API
 * server returns them, and a certificate rotated while requests keep coming.
 */
@EnableKubeAPIServer
class WebhookServerIT {

  private static final Logger log = LoggerFactory.getLogger(WebhookServerIT.class);
  private static final String TEAM = "team";
  private static final String OPERATOR_NAMESPACE = "dockmaster";
  private static final List<String> NAMES = List.of("localhost");

  static KubernetesClient client;
  @KubeConfig static String kubeConfig;

  static final ImageNamePodReviewer reviewer = new ImageNamePodReviewer();
  static final PrometheusMeterRegistry metrics =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  static Path certs;
  static WebhookCertificates certificates;
  static NamespaceLabelCache namespaces;
  static WebhookServer server;
  static WebhookRegistration registration;

  @BeforeAll
  static void registerTheWebhook() throws Exception {
    Awaitility.setDefaultTimeout(Duration.ofSeconds(30));
    for (String namespace : List.of(TEAM, OPERATOR_NAMESPACE)) {
      client
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(namespace)
                  .addToLabels("env", "prod")
                  .endMetadata()
                  .build())
          .create();
    }
    certs = Files.createTempDirectory("dockmaster-webhook-it");
    certificates = WebhookCertificates.generate(NAMES);
    String caBundle = certificates.writeTo(certs);
    namespaces = NamespaceLabelCache.start(client, Duration.ofSeconds(30));
    server =
        WebhookServer.start(
            AdmissionSettings.inCluster(certs)
                .withBindAddress("127.0.0.1")
                .withPort(0)
                .withCertificatePollInterval(Duration.ofMillis(200)),
            reviewer,
            namespaces,
            metrics);
    registration = new WebhookRegistration(client, List.of(OPERATOR_NAMESPACE));
    registration.apply(new WebhookTarget.Loopback(server.port()), caBundle);

    // The API server picks the configuration up asynchronously.
    await()
        .untilAsserted(
            () ->
                assertThatThrownBy(
                        () ->
                            client
                                .resource(pod(TEAM, "probe", "r.example/bad:1"))
                                .dryRun()
                                .create())
                    .hasMessageContaining("Dockmaster denied this Pod"));
  }

  @AfterAll
  static void stop() {
    if (registration != null) {
      registration.remove();
    }
    if (server != null) {
      server.close();
    }
    if (namespaces != null) {
      namespaces.close();
    }
  }

  @Test
  void aPodWithBadImagesIsRefusedWithOneLinePerViolation() {
    Pod pod =
        pod(
            TEAM,
            "refused",
            "registry.example.com/bad:1",
            "nginx",
            "registry.example.com/bad-sidecar:2");

    KubernetesClientException refused =
        catchThrowableOfType(KubernetesClientException.class, () -> client.resource(pod).create());

    log.info("API server refused the Pod: {}", refused.getMessage());
    assertThat(refused.getCode()).isEqualTo(403);
    assertThat(refused.getStatus().getReason()).isEqualTo("Forbidden");
    assertThat(refused.getStatus().getMessage())
        .isEqualTo(
            "admission webhook \"images.dockmaster.io\" denied the request: Dockmaster denied this"
                + " Pod \"refused\": 2 images break ImagePolicy rules:\n"
                + "- ImagePolicy \"prod\": spec.containers[0] \"c0\" image registry.example.com/bad:1"
                + " (sha256:0123456789ab...): NOT_SIGNED: no signature by authority \"release\"; sign"
                + " it with cosign using the release key\n"
                + "- ImagePolicy \"prod\": spec.containers[2] \"c2\" image"
                + " registry.example.com/bad-sidecar:2 (sha256:0123456789ab...): NOT_SIGNED: no"
                + " signature by authority \"release\"; sign it with cosign using the release key");
    assertThat(client.pods().inNamespace(TEAM).withName("refused").get()).isNull();
    PodUnderReview reviewed = lastReviewOf("refused");
    assertThat(reviewed.namespaceLabels())
        .containsEntry("env", "prod")
        .containsEntry("kubernetes.io/metadata.name", TEAM);
  }

  @Test
  void aWarnImageIsCreatedAndTheApiServerPassesTheWarningOn() throws Exception {
    String json =
        client
            .getKubernetesSerialization()
            .asJson(pod(TEAM, "warned", "registry.example.com/warn-me:1"));
    HttpRequest request =
        client
            .getHttpClient()
            .newHttpRequestBuilder()
            .uri(
                URI.create(client.getMasterUrl().toString())
                    .resolve("/api/v1/namespaces/team/pods"))
            .post("application/json", json)
            .build();

    HttpResponse<String> response =
        client.getHttpClient().sendAsync(request, String.class).get(30, TimeUnit.SECONDS);

    // The API server writes the header in UTF-8; the HTTP client reads header bytes as Latin-1.
    List<String> warnings =
        response.headers("Warning").stream()
            .map(h -> new String(h.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8))
            .toList();
    log.info("API server created the Pod with Warning headers: {}", warnings);
    assertThat(response.code()).isEqualTo(201);
    assertThat(warnings)
        .containsExactly(
            "299 - \"ImagePolicy \\\"staging\\\": spec.containers[0] \\\"c0\\\" image"
                + " registry.example.com/warn-me:1 (sha256:0123456789ab...): NOT_SIGNED: no signature"
                + " by authority \\\"release\\\"; sign it with cosign using the release key\"");
    assertThat(client.pods().inNamespace(TEAM).withName("warned").get()).isNotNull();
  }

  @Test
  void deploymentsAndCronJobsWithABadImageAreRefusedAtCreate() {
    HasMetadata deployment = Workloads.deployment(TEAM, "web", "registry.example.com/bad:1");
    HasMetadata cronJob = Workloads.cronJob(TEAM, "nightly", "nginx", "registry.example.com/bad:1");

    assertThatThrownBy(() -> client.resource(deployment).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining(
            "Dockmaster denied this Deployment \"web\": 1 image breaks ImagePolicy rules:\n"
                + "- ImagePolicy \"prod\": spec.template.spec.containers[0] \"c0\"");
    assertThatThrownBy(() -> client.resource(cronJob).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining(
            "Dockmaster denied this CronJob \"nightly\": 1 image breaks ImagePolicy rules:\n"
                + "- ImagePolicy \"prod\": spec.jobTemplate.spec.template.spec.containers[1] \"c1\"");
    assertThat(metrics.scrape())
        .contains(
            "dockmaster_admission_requests_total{kind=\"Deployment\",operation=\"CREATE\",verdict=\"denied\"}")
        .contains(
            "dockmaster_admission_requests_total{kind=\"CronJob\",operation=\"CREATE\",verdict=\"denied\"}");
  }

  @Test
  void anEphemeralContainerIsJudgedOnItsOwn() {
    client.resource(pod(TEAM, "debug-me", "nginx")).create();

    assertThatThrownBy(
            () -> addEphemeral("debug-me", "debugger", "registry.example.com/bad-debugger:1"))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining(
            "Dockmaster denied this Pod \"debug-me\": 1 image breaks ImagePolicy rules:\n"
                + "- ImagePolicy \"prod\": spec.ephemeralContainers[0] \"debugger\" image"
                + " registry.example.com/bad-debugger:1");
    assertThat(lastReviewOf("debug-me").ephemeralOnly()).isTrue();

    addEphemeral("debug-me", "debugger", "busybox:1.36");

    assertThat(
            client
                .pods()
                .inNamespace(TEAM)
                .withName("debug-me")
                .get()
                .getSpec()
                .getEphemeralContainers())
        .extracting(c -> c.getImage())
        .containsExactly("busybox:1.36");
  }

  @Test
  void podsAdmittedBeforeAPolicyChangeCanStillBeRelabelledButNotGivenANewImage() {
    client.resource(pod(TEAM, "legacy", "registry.example.com/legacy:1")).create();
    reviewer.alsoBad.add("legacy");
    try {
      client
          .pods()
          .inNamespace(TEAM)
          .withName("legacy")
          .edit(
              p ->
                  new PodBuilder(p)
                      .editMetadata()
                      .addToLabels("owner", "payments")
                      .endMetadata()
                      .build());

      assertThat(client.pods().inNamespace(TEAM).withName("legacy").get().getMetadata().getLabels())
          .containsEntry("owner", "payments");
      assertThatThrownBy(
              () ->
                  client
                      .pods()
                      .inNamespace(TEAM)
                      .withName("legacy")
                      .edit(
                          p ->
                              new PodBuilder(p)
                                  .editSpec()
                                  .editFirstContainer()
                                  .withImage("registry.example.com/legacy:2")
                                  .endContainer()
                                  .endSpec()
                                  .build()))
          .hasMessageContaining("Dockmaster denied this Pod \"legacy\": 1 image breaks");
    } finally {
      reviewer.alsoBad.remove("legacy");
    }
  }

  @Test
  void kubeSystemAndTheOperatorNamespaceAreNeverSentToTheWebhook() {
    client.resource(pod("kube-system", "exempt", "registry.example.com/bad:1")).create();
    client.resource(pod(OPERATOR_NAMESPACE, "exempt", "registry.example.com/bad:1")).create();

    assertThat(reviewer.reviewed)
        .extracting(PodUnderReview::namespace)
        .doesNotContain("kube-system", OPERATOR_NAMESPACE);
  }

  @Test
  void aTenantCannotForgeTheNameLabelToEscape() {
    client
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName("sneaky")
                .addToLabels("kubernetes.io/metadata.name", "kube-system")
                .endMetadata()
                .build())
        .create();

    assertThat(client.namespaces().withName("sneaky").get().getMetadata().getLabels())
        .containsEntry("kubernetes.io/metadata.name", "sneaky");
    await()
        .untilAsserted(
            () ->
                assertThatThrownBy(
                        () ->
                            client
                                .resource(pod("sneaky", "escape", "registry.example.com/bad:1"))
                                .create())
                    .hasMessageContaining("Dockmaster denied this Pod \"escape\""));
  }

  @Test
  void aRotatedCertificateIsServedWhileTheApiServerKeepsCalling() throws Exception {
    WebhookCertificates rotated = certificates.reissue(NAMES);
    List<String> failures = new CopyOnWriteArrayList<>();
    AtomicBoolean rotationSeen = new AtomicBoolean();
    AtomicInteger afterRotation = new AtomicInteger();
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<Void> traffic =
        CompletableFuture.runAsync(
            () -> {
              while (afterRotation.get() < 10) {
                boolean seen = rotationSeen.get();
                try {
                  client.resource(pod(TEAM, "rotation-ok", "nginx")).dryRun().create();
                } catch (KubernetesClientException e) {
                  failures.add(e.getMessage());
                }
                try {
                  client
                      .resource(pod(TEAM, "rotation-bad", "registry.example.com/bad:1"))
                      .dryRun()
                      .create();
                  failures.add("a bad image was admitted during the rotation");
                } catch (KubernetesClientException e) {
                  if (!e.getMessage().contains("Dockmaster denied this Pod")) {
                    failures.add(e.getMessage());
                  }
                }
                calls.incrementAndGet();
                if (seen) {
                  afterRotation.incrementAndGet();
                }
              }
            });
    await().until(() -> calls.get() >= 3);

    rotated.writeTo(certs);

    await()
        .untilAsserted(
            () ->
                assertThat(servedSerial())
                    .isEqualTo(rotated.servingCertificate().getSerialNumber()));
    rotationSeen.set(true);
    traffic.get(60, TimeUnit.SECONDS);
    assertThat(failures).isEmpty();
    assertThat(calls.get()).isGreaterThan(10);
  }

  @Test
  void kubectlPrintsTheDenialAndTheWarningReadably() throws Exception {
    assumeTrue(Kubectl.available(), "kubectl is not on the PATH");
    String manifest =
        yaml(pod(TEAM, "kubectl-bad", "registry.example.com/bad:1"))
            + "---\n"
            + yaml(pod(TEAM, "kubectl-warn", "registry.example.com/warn:1"));

    String output = new Kubectl(certs, kubeConfig).apply(manifest);

    log.info("kubectl apply printed:\n{}", output);
    assertThat(output)
        .contains(
            "Error from server (Forbidden): error when creating \"STDIN\": admission webhook"
                + " \"images.dockmaster.io\" denied the request: Dockmaster denied this Pod"
                + " \"kubectl-bad\": 1 image breaks ImagePolicy rules:\n"
                + "- ImagePolicy \"prod\": spec.containers[0] \"c0\" image registry.example.com/bad:1")
        .contains(
            "Warning: ImagePolicy \"staging\": spec.containers[0] \"c0\" image"
                + " registry.example.com/warn:1")
        .contains("pod/kubectl-warn created");
  }

  private static String yaml(HasMetadata object) {
    return client.getKubernetesSerialization().asYaml(object);
  }

  private static Pod addEphemeral(String podName, String container, String image) {
    return client
        .pods()
        .inNamespace(TEAM)
        .withName(podName)
        .ephemeralContainers()
        .edit(
            current ->
                new PodBuilder(current)
                    .editSpec()
                    .withEphemeralContainers(new ArrayList<>())
                    .addNewEphemeralContainer()
                    .withName(container)
                    .withImage(image)
                    .endEphemeralContainer()
                    .endSpec()
                    .build());
  }

  private static BigInteger servedSerial() throws Exception {
    java.net.http.HttpResponse<String> response =
        TrustingHttpClient.trusting(certificates.caBundlePem())
            .send(
                java.net.http.HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + server.port() + "/validate"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    return ((X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0])
        .getSerialNumber();
  }

  private static PodUnderReview lastReviewOf(String name) {
    List<PodUnderReview> matching =
        reviewer.reviewed.stream().filter(p -> name.equals(p.name())).toList();
    assertThat(matching).as("reviews of %s", name).isNotEmpty();
    return matching.get(matching.size() - 1);
  }
}
