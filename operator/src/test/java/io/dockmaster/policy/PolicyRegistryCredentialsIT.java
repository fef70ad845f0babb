package io.dockmaster.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.api.v1alpha1.SecretReference;
import io.dockmaster.registry.CredentialsProvider;
import io.dockmaster.registry.RegistryClient;
import io.dockmaster.secret.SecretKeyReader.SecretLookupException;
import io.dockmaster.signature.SignatureVerifier;
import io.dockmaster.testing.RegistryServer;
import io.dockmaster.testing.TestImages;
import io.dockmaster.validation.FieldError;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A policy's own registry credentials: images on a registry behind htpasswd are judged even when
 * the pod brings no pull secret, and a bad credentials Secret is refused naming the field.
 */
class PolicyRegistryCredentialsIT {

  @TempDir static Path tmp;
  static RegistryServer registry;
  static String dockerConfig;

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryServer.distribution().htpasswd("policy", "s3cret").start();
    String auth =
        Base64.getEncoder().encodeToString("policy:s3cret".getBytes(StandardCharsets.UTF_8));
    dockerConfig = "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + auth + "\"}}}";
    Path dir = Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(dir.resolve("config.json"), dockerConfig);
    TestImages crane = TestImages.withDockerConfig(dir);
    crane.push(registry.host() + "/private/app:base", TestImages.layer(tmp, Map.of("a", "a\n")));
    crane.mutate(
        registry.host() + "/private/app:base",
        registry.host() + "/private/app:1",
        "0",
        "linux/amd64");
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void thePolicysCredentialsOpenPrivateRegistries() {
    Map<String, String> secrets = Map.of("dockmaster/pull", dockerConfig);
    LoadedPolicy withCredentials = load(secrets, new SecretReference("dockmaster", "pull"));
    LoadedPolicy without = load(secrets);

    assertThat(review(without))
        .singleElement()
        .satisfies(v -> assertThat(v.reason()).isEqualTo(ViolationReason.IMAGE_UNAVAILABLE));
    assertThat(review(withCredentials))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.reason())
                  .as("the image itself was read")
                  .isEqualTo(ViolationReason.RUNS_AS_ROOT);
              assertThat(v.message()).doesNotContain("s3cret");
            });
  }

  @Test
  void aCredentialsSecretThatIsMissingOrNotADockerConfigIsRefused() {
    PolicyValidator validator = validator(Map.of("dockmaster/opaque", "not json"));
    ImagePolicy policy =
        policy(
            new SecretReference("dockmaster", "absent"),
            new SecretReference("dockmaster", "opaque"));

    assertThat(validator.validate(policy).errors())
        .extracting(FieldError::toString)
        .containsExactly(
            "spec.registryCredentials[0]: Secret dockmaster/absent is missing",
            "spec.registryCredentials[1]: Secret dockmaster/opaque: docker config is not valid"
                + " JSON (line 1)");
  }

  private static List<Violation> review(LoadedPolicy policy) {
    PolicyEvaluator evaluator =
        new PolicyEvaluator(
            () -> List.of(policy),
            new RegistryImageInspector(
                RegistryClient.builder().build(),
                SignatureVerifier.cosign(),
                RegistryImageInspector.CacheSettings.defaults(),
                new SimpleMeterRegistry()),
            (ns, pullSecrets) -> CredentialsProvider.anonymous(),
            Set.of());
    var pod =
        new PodSpecBuilder()
            .addNewContainer()
            .withName("app")
            .withImage(registry.host() + "/private/app:1")
            .endContainer()
            .build();
    return evaluator.review(
        new PodUnderReview("team", Map.of(), "Pod", "p", "spec", pod, false, List.of()));
  }

  private static LoadedPolicy load(Map<String, String> secrets, SecretReference... credentials) {
    return validator(secrets).validate(policy(credentials)).value().orElseThrow();
  }

  private static PolicyValidator validator(Map<String, String> secrets) {
    return new PolicyValidator(
        reference -> {
          String value = secrets.get(reference.getNamespace() + "/" + reference.getName());
          if (value == null) {
            throw new SecretLookupException(
                SecretLookupException.Missing.SECRET,
                "Secret " + reference.getNamespace() + "/" + reference.getName() + " is missing");
          }
          return value;
        });
  }

  private static ImagePolicy policy(SecretReference... credentials) {
    ImagePolicySpec spec = new ImagePolicySpec();
    spec.setImages(List.of(registry.host() + "/**"));
    spec.setRunAsNonRoot(true);
    spec.setRegistryCredentials(List.of(credentials));
    ImagePolicy policy = new ImagePolicy();
    policy.setMetadata(
        new ObjectMetaBuilder().withName("private").withUid("u").withGeneration(1L).build());
    policy.setSpec(spec);
    return policy;
  }
}
