package io.dockmaster.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.api.v1alpha1.ImageMirror;
import io.dockmaster.api.v1alpha1.ImageMirrorSpec;
import io.dockmaster.api.v1alpha1.ResolvedImage;
import io.dockmaster.api.v1alpha1.SecretReference;
import io.dockmaster.api.v1alpha1.UpstreamRegistry;
import io.dockmaster.operator.DockmasterOperator;
import io.dockmaster.operator.OperatorSettings;
import io.dockmaster.status.ConditionSet;
import io.dockmaster.testing.Crds;
import io.dockmaster.testing.OperatorNamespace;
import io.dockmaster.testing.RegistryServer;
import io.dockmaster.testing.SpecPatch;
import io.dockmaster.testing.TestImages;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ImageMirror reconciler against a real API server and real registries: an open one with a
 * multi-platform image, and one behind htpasswd whose credentials come from a Secret.
 */
@EnableKubeAPIServer
class ImageMirrorReconcilerIT {

  private static final String USER = "mirror";
  private static final String PASSWORD = "s3cret-pass";

  static KubernetesClient client;
  static DockmasterOperator operator;
  static RegistryServer open;
  static RegistryServer guarded;
  static String indexDigest;
  static String privateDigest;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    open = RegistryServer.distribution().start();
    guarded = RegistryServer.distribution().htpasswd(USER, PASSWORD).start();

    TestImages crane = TestImages.anonymous();
    Path layer = TestImages.layer(tmp, Map.of("app.txt", "shared layer\n"));
    crane.push(open.host() + "/team/base:1", layer);
    crane.mutate(
        open.host() + "/team/base:1", open.host() + "/team/app:amd64", "1000", "linux/amd64");
    crane.mutate(
        open.host() + "/team/base:1", open.host() + "/team/app:arm64", "1000", "linux/arm64");
    indexDigest =
        crane.index(
            open.host() + "/team/app:1.0",
            open.host() + "/team/app:amd64",
            open.host() + "/team/app:arm64");

    Path dockerDir = Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(dockerDir.resolve("config.json"), dockerConfig(guarded.host()));
    TestImages authenticated = TestImages.withDockerConfig(dockerDir);
    privateDigest =
        authenticated.push(
            guarded.host() + "/private/app:2.0", TestImages.layer(tmp, Map.of("p.txt", "p\n")));

    Crds.install(client);
    OperatorNamespace.ensure(client);
    operator = DockmasterOperator.start(client, OperatorSettings.local("dockmaster"));
  }

  private static org.awaitility.core.ConditionFactory await() {
    return Awaitility.await().atMost(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (open != null) {
      open.close();
    }
    if (guarded != null) {
      guarded.close();
    }
  }

  @Test
  void resolvesAMultiPlatformIndexWithSharedLayersCountedOnce() {
    client.resource(mirror("multi", open.host(), null, "team/app:1.0")).create();

    await()
        .untilAsserted(
            () -> {
              ImageMirror current = get("multi");
              assertThat(condition(current, "Ready").getReason()).isEqualTo("NoAgents");
              assertThat(current.getStatus().getObservedGeneration()).isEqualTo(1L);
            });
    ImageMirror mirror = get("multi");
    ResolvedImage image = mirror.getStatus().getImages().get(0);
    assertThat(image.getReference()).isEqualTo(open.host() + "/team/app:1.0");
    assertThat(image.getDigest()).isEqualTo(indexDigest);
    assertThat(image.getPlatforms()).containsExactly("linux/amd64", "linux/arm64");
    assertThat(image.getLayers()).as("both platforms share the one layer").isEqualTo(1);
    assertThat(mirror.getStatus().getResolvedImageCount()).isEqualTo(1);
    assertThat(condition(mirror, "Degraded").getStatus()).isEqualTo("False");
    Condition ready = condition(mirror, "Ready");
    assertThat(ready.getStatus()).as("nothing is prefetched without agents").isEqualTo("False");
    assertThat(ready.getMessage())
        .startsWith("Resolved 1 image on " + open.host() + " (1 layer, ")
        .contains("no node running a Dockmaster agent matches spec.nodeSelector");
    assertThat(mirror.getStatus().getNodesReady()).isEqualTo("0/0");
    assertThat(mirror.getStatus().getLastRunFinishTime()).isNotBlank();
  }

  @Test
  void privateRegistryNeedsTheCredentialsSecret() {
    client.resource(mirror("private", guarded.host(), null, "private/app:2.0")).create();

    await()
        .untilAsserted(
            () -> {
              ImageMirror current = get("private");
              assertThat(condition(current, "Degraded").getReason())
                  .isEqualTo("UpstreamUnauthorized");
              assertThat(condition(current, "Ready").getMessage())
                  .contains("requires credentials for repository private/app");
            });

    // A patch, not a PUT: the reconciler retries and writes status meanwhile.
    SpecPatch.patchSpec(
        client,
        ImageMirror.class,
        "private",
        ImageMirror::getSpec,
        spec ->
            spec.getUpstream()
                .setCredentialsSecretRef(new SecretReference("pulls", "guarded-registry")));
    await()
        .untilAsserted(
            () ->
                assertThat(condition(get("private"), "Ready").getMessage())
                    .contains("Secret pulls/guarded-registry does not exist"));

    client
        .resource(new NamespaceBuilder().withNewMetadata().withName("pulls").endMetadata().build())
        .create();
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withNamespace("pulls")
                .withName("guarded-registry")
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .addToStringData(".dockerconfigjson", dockerConfig(guarded.host()))
                .build())
        .create();

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              ImageMirror current = get("private");
              assertThat(condition(current, "Ready").getReason()).isEqualTo("NoAgents");
              assertThat(condition(current, "Degraded").getStatus()).isEqualTo("False");
              assertThat(current.getStatus().getImages().get(0).getDigest())
                  .isEqualTo(privateDigest);
            });
    assertThat(client.v1().events().inNamespace("default").list().getItems())
        .filteredOn(e -> "private".equals(e.getInvolvedObject().getName()))
        .extracting(e -> e.getReason())
        .contains("UpstreamFailed", "MirrorPrefetching");
    String auth =
        Base64.getEncoder()
            .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    String everythingUsersSee =
        client.getKubernetesSerialization().asJson(get("private"))
            + client
                .getKubernetesSerialization()
                .asJson(client.v1().events().inNamespace("default").list());
    assertThat(everythingUsersSee).doesNotContain(PASSWORD).doesNotContain(auth);
  }

  @Test
  void imagesOnAnotherRegistryAreRefusedWithTheFix() {
    client
        .resource(mirror("elsewhere", open.host(), null, "other.example.com/team/app:1"))
        .create();

    await()
        .untilAsserted(
            () -> {
              Condition ready = condition(get("elsewhere"), "Ready");
              assertThat(ready.getReason()).isEqualTo("InvalidSpec");
              assertThat(ready.getMessage())
                  .contains("spec.images[0]: \"other.example.com/team/app:1\" is on registry")
                  .contains("write its path on the upstream (e.g. team/app:1)");
            });
  }

  private static String dockerConfig(String host) {
    String auth =
        Base64.getEncoder()
            .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    return "{\"auths\":{\"" + host + "\":{\"auth\":\"" + auth + "\"}}}";
  }

  private static ImageMirror get(String name) {
    return client.resources(ImageMirror.class).withName(name).get();
  }

  private static Condition condition(ImageMirror mirror, String type) {
    assertThat(mirror.getStatus()).as("status of %s", mirror.getMetadata().getName()).isNotNull();
    return ConditionSet.find(mirror.getStatus().getConditions(), type).orElseThrow();
  }

  private static ImageMirror mirror(
      String name, String registry, SecretReference credentials, String... images) {
    ImageMirror mirror = new ImageMirror();
    mirror.setMetadata(new ObjectMetaBuilder().withName(name).build());
    ImageMirrorSpec spec = new ImageMirrorSpec();
    UpstreamRegistry upstream = new UpstreamRegistry();
    upstream.setRegistry(registry);
    upstream.setCredentialsSecretRef(credentials);
    spec.setUpstream(upstream);
    spec.setImages(List.of(images));
    mirror.setSpec(spec);
    return mirror;
  }
}
