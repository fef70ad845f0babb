package io.dockmaster.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.api.v1alpha1.Authority;
import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.api.v1alpha1.PublicKeySource;
import io.dockmaster.api.v1alpha1.SecretKeyReference;
import io.dockmaster.api.v1alpha1.SignaturePolicy;
import io.dockmaster.operator.DockmasterOperator;
import io.dockmaster.operator.OperatorSettings;
import io.dockmaster.status.ConditionSet;
import io.dockmaster.testing.Crds;
import io.dockmaster.testing.OperatorNamespace;
import io.dockmaster.testing.SpecPatch;
import io.dockmaster.testing.TestKeys;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The reconciler against a real API server: status, observedGeneration, Events, metrics. */
@EnableKubeAPIServer
class ImagePolicyReconcilerIT {

  static KubernetesClient client;
  static DockmasterOperator operator;

  @BeforeAll
  static void startOperator() {
    Crds.install(client);
    OperatorNamespace.ensure(client);
    operator = DockmasterOperator.start(client, OperatorSettings.local("dockmaster"));
  }

  private static org.awaitility.core.ConditionFactory await() {
    return Awaitility.await().atMost(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stopOperator() {
    if (operator != null) {
      operator.close();
    }
  }

  @Test
  void validPolicyBecomesReadyAndAnInvalidUpdateLeavesItInForce() {
    ImagePolicy created =
        client.resource(policy("prod", spec("registry.example.com/prod/**", inlineKey()))).create();

    await()
        .untilAsserted(
            () -> {
              ImagePolicy current = get("prod");
              assertThat(current.getStatus().getObservedGeneration()).isEqualTo(1L);
              assertThat(ready(current).getStatus()).isEqualTo("True");
              assertThat(ready(current).getReason()).isEqualTo("Loaded");
              assertThat(current.getStatus().getAuthorities()).isEqualTo(1);
            });
    String uid = created.getMetadata().getUid();
    await().untilAsserted(() -> assertThat(operator.policies().inForce("prod", uid)).isPresent());
    await().untilAsserted(() -> assertThat(events("prod")).contains("PolicyLoaded"));

    editSpec("prod", spec -> spec.setImages(List.of("nginx")));

    await()
        .untilAsserted(
            () -> {
              ImagePolicy current = get("prod");
              assertThat(current.getStatus().getObservedGeneration()).isEqualTo(2L);
              assertThat(ready(current).getStatus()).isEqualTo("False");
              assertThat(ready(current).getReason()).isEqualTo("InvalidSpec");
              assertThat(ready(current).getMessage())
                  .contains("spec.images[0]: \"nginx\" must start with a registry host")
                  .contains("Generation 1 stays in force");
            });
    assertThat(operator.policies().inForce("prod", uid).orElseThrow().generation()).isEqualTo(1L);
    await().untilAsserted(() -> assertThat(events("prod")).contains("PolicyRejected"));
  }

  @Test
  void deletedOrRecreatedPolicyTakesItsRulesWithIt() {
    ImagePolicy first =
        client
            .resource(policy("short-lived", spec("registry.example.com/**", inlineKey())))
            .create();
    await()
        .untilAsserted(
            () ->
                assertThat(operator.policies().inForce("short-lived", first.getMetadata().getUid()))
                    .isPresent());

    client.resource(first).withTimeout(10, java.util.concurrent.TimeUnit.SECONDS).delete();
    await()
        .untilAsserted(
            () ->
                assertThat(operator.policies().all())
                    .noneMatch(p -> p.name().equals("short-lived")));

    ImagePolicy invalidNamesake =
        client.resource(policy("short-lived", spec("nginx", inlineKey()))).create();
    await()
        .untilAsserted(
            () ->
                assertThat(ready(get("short-lived")).getMessage())
                    .contains("No version of this policy is in force"));
    assertThat(operator.policies().all()).noneMatch(p -> p.name().equals("short-lived"));
    assertThat(invalidNamesake.getMetadata().getUid()).isNotEqualTo(first.getMetadata().getUid());
  }

  /** Key Secrets are not watched: a spec change (or the 5-minute resync) picks a new one up. */
  @Test
  void missingKeySecretIsReportedUntilItExistsAndTheSpecChanges() {
    PublicKeySource fromSecret = new PublicKeySource();
    fromSecret.setSecretRef(new SecretKeyReference("keys", "release", "cosign.pub"));
    client.resource(policy("from-secret", spec("registry.example.com/**", fromSecret))).create();

    await()
        .untilAsserted(
            () ->
                assertThat(ready(get("from-secret")).getMessage())
                    .contains(
                        "spec.signature.authorities[0].key.secretRef: Secret keys/release does"
                            + " not exist")
                    .contains("No version of this policy is in force"));

    client
        .resource(new NamespaceBuilder().withNewMetadata().withName("keys").endMetadata().build())
        .create();
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withNamespace("keys")
                .withName("release")
                .endMetadata()
                .addToStringData("cosign.pub", TestKeys.publicPem(TestKeys.ec("secp256r1")))
                .build())
        .create();
    editSpec("from-secret", spec -> spec.setRequireDigest(true));

    await()
        .untilAsserted(() -> assertThat(ready(get("from-secret")).getStatus()).isEqualTo("True"));
  }

  @Test
  void servesHealthAndOperatorMetrics() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + operator.healthPort();

    await()
        .untilAsserted(() -> assertThat(get(http, base + "/readyz").statusCode()).isEqualTo(200));
    HttpResponse<String> metrics = get(http, base + "/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("jvm_memory_used_bytes");
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A patch, as kubectl edit sends: a status write in between must not fail the edit. */
  private static void editSpec(String name, Consumer<ImagePolicySpec> change) {
    SpecPatch.patchSpec(client, ImagePolicy.class, name, ImagePolicy::getSpec, change);
  }

  private static ImagePolicy get(String name) {
    return client.resources(ImagePolicy.class).withName(name).get();
  }

  private static Condition ready(ImagePolicy policy) {
    assertThat(policy.getStatus()).as("status of %s", policy.getMetadata().getName()).isNotNull();
    return ConditionSet.find(policy.getStatus().getConditions(), "Ready").orElseThrow();
  }

  private static List<String> events(String name) {
    return client.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .map(Event::getReason)
        .toList();
  }

  private static PublicKeySource inlineKey() {
    return PublicKeySource.inline(TestKeys.publicPem(TestKeys.ec("secp256r1")));
  }

  private static ImagePolicySpec spec(String image, PublicKeySource key) {
    ImagePolicySpec spec = new ImagePolicySpec();
    spec.setImages(List.of(image));
    SignaturePolicy signature = new SignaturePolicy();
    signature.setAuthorities(List.of(new Authority("release", key)));
    spec.setSignature(signature);
    return spec;
  }

  private static ImagePolicy policy(String name, ImagePolicySpec spec) {
    ImagePolicy policy = new ImagePolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName(name).build());
    policy.setSpec(spec);
    return policy;
  }
}
