package io.dockmaster.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.api.v1alpha1.SignaturePolicy;
import io.dockmaster.registry.CredentialsProvider;
import io.dockmaster.registry.RegistryClient;
import io.dockmaster.signature.PublicKeys;
import io.dockmaster.signature.SignatureVerifier;
import io.dockmaster.signature.TrustedKey;
import io.dockmaster.testing.Cosign;
import io.dockmaster.testing.RegistryServer;
import io.dockmaster.testing.TestImages;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluator with the real registry inspector: images built with crane, signed with cosign,
 * served by a real registry. What admission will say, minus the webhook.
 */
class RegistryImageInspectorIT {

  @TempDir static Path tmp;

  static RegistryServer registry;
  static String host;
  static Cosign cosign;
  static Cosign.Keys release;
  static Cosign.Keys other;
  static String signedDigest;
  static Path sbom;

  final List<LoadedPolicy> policies = new ArrayList<>();
  final PolicyEvaluator evaluator =
      new PolicyEvaluator(
          () -> policies,
          new RegistryImageInspector(
              RegistryClient.builder().build(),
              SignatureVerifier.cosign(),
              // Negative verdicts are not cached here, so a test can sign or attest and re-check.
              new RegistryImageInspector.CacheSettings(
                  Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ZERO, 1_000),
              new io.micrometer.core.instrument.simple.SimpleMeterRegistry()),
          (namespace, secrets) -> CredentialsProvider.anonymous(),
          Set.of("dockmaster", "kube-system"));

  @BeforeAll
  static void pushImages() throws java.io.IOException {
    registry = RegistryServer.distribution().start();
    host = registry.host();
    TestImages crane = TestImages.anonymous();
    crane.push(host + "/base:1", TestImages.layer(tmp, Map.of("a.txt", "a\n")));
    crane.mutate(host + "/base:1", host + "/app:root", "", "linux/amd64");
    crane.mutate(host + "/base:1", host + "/app:zero", "0:0", "linux/amd64");
    crane.mutate(host + "/base:1", host + "/app:named", "nginx", "linux/amd64");
    crane.mutate(host + "/base:1", host + "/app:amd64", "10001", "linux/amd64");
    crane.mutate(host + "/base:1", host + "/app:arm64", "10001", "linux/arm64");
    crane.index(host + "/app:multi", host + "/app:amd64", host + "/app:arm64");
    signedDigest = crane.digest(host + "/app:amd64");

    cosign = Cosign.in(tmp.resolve("cosign"));
    release = cosign.generateKeyPair("release");
    other = cosign.generateKeyPair("other");
    cosign.sign(release, host + "/app@" + signedDigest);
    crane.mutate(host + "/base:1", host + "/app:other-signed", "10002", "linux/amd64");
    cosign.sign(other, host + "/app@" + crane.digest(host + "/app:other-signed"));
    sbom =
        java.nio.file.Files.writeString(
            tmp.resolve("sbom.json"),
            "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[]}");
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void imageUsersAreReadFromTheRegistry() {
    ImagePolicySpec spec = spec();
    spec.setRunAsNonRoot(true);
    load(spec);

    assertThat(reasons("app:root")).containsExactly(ViolationReason.RUNS_AS_ROOT);
    assertThat(reasons("app:zero")).containsExactly(ViolationReason.RUNS_AS_ROOT);
    assertThat(reasons("app:named")).containsExactly(ViolationReason.USER_NOT_NUMERIC);
    assertThat(reasons("app:amd64")).isEmpty();
    assertThat(reasons("app:multi")).isEmpty();
  }

  @Test
  void platformsOfAnIndexAreRead() {
    ImagePolicySpec spec = spec();
    spec.setPlatforms(List.of("linux/amd64", "linux/arm64"));
    load(spec);

    assertThat(reasons("app:multi")).isEmpty();
    assertThat(review("app:amd64"))
        .singleElement()
        .satisfies(
            v -> assertThat(v.problem()).isEqualTo("it provides linux/amd64 but not linux/arm64"));
  }

  @Test
  void signaturesByTheTrustedKeyAreRequiredForTheResolvedDigest() {
    ImagePolicySpec spec = spec();
    spec.setSignature(new SignaturePolicy());
    load(spec);

    assertThat(reasons("app:amd64")).isEmpty();
    assertThat(reasons("app@" + signedDigest)).isEmpty();
    assertThat(review("app:other-signed"))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.reason()).isEqualTo(ViolationReason.NOT_SIGNED);
              assertThat(v.problem()).startsWith("none of its 1 signature counts");
            });
    assertThat(review("app:root"))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.message())
                  .contains("image " + host + "/app:root (sha256:")
                  .contains("NOT_SIGNED: it has no signature (trusted: \"release\")");
            });
  }

  @Test
  void anSbomAttestationByTheTrustedKeyIsRequiredWhenThePolicySaysSo() {
    ImagePolicySpec spec = spec();
    SignaturePolicy signature = new SignaturePolicy();
    var requirement = new io.dockmaster.api.v1alpha1.AttestationRequirement();
    requirement.setPredicateType("https://cyclonedx.org/bom");
    signature.setAttestations(List.of(requirement));
    spec.setSignature(signature);
    load(spec);

    assertThat(reasons("app:amd64")).containsExactly(ViolationReason.ATTESTATION_MISSING);
    cosign.attest(release, host + "/app@" + signedDigest, sbom, "cyclonedx");
    assertThat(reasons("app:amd64")).isEmpty();
  }

  @Test
  void aRotatedKeyDoesNotInheritTheOldKeysVerdicts() {
    ImagePolicySpec spec = spec();
    spec.setSignature(new SignaturePolicy());
    load(spec);
    assertThat(reasons("app:amd64")).isEmpty();

    // Same policy object and generation, key replaced in its Secret and reloaded on resync.
    policies.clear();
    policies.add(
        new LoadedPolicy(
            "p",
            "uid-p",
            1,
            spec,
            spec.getImages().stream().map(ImagePattern::compile).toList(),
            List.of(),
            Map.of("release", PublicKeys.parse(other.publicPem()))));

    assertThat(reasons("app:amd64")).containsExactly(ViolationReason.NOT_SIGNED);
  }

  @Test
  void aMissingImageFailsClosedWithTheRegistryAnswer() {
    ImagePolicySpec spec = spec();
    spec.setRunAsNonRoot(true);
    load(spec);

    assertThat(review("app:absent"))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.reason()).isEqualTo(ViolationReason.IMAGE_UNAVAILABLE);
              assertThat(v.problem()).contains("has no manifest app:absent");
            });
  }

  private List<ViolationReason> reasons(String image) {
    return review(image).stream().map(Violation::reason).toList();
  }

  private List<Violation> review(String image) {
    PodSpec pod =
        new PodSpecBuilder()
            .addNewContainer()
            .withName("app")
            .withImage(host + "/" + image)
            .endContainer()
            .build();
    return evaluator.review(
        new PodUnderReview("team", Map.of(), "Pod", "p", "spec", pod, false, List.of()));
  }

  private static ImagePolicySpec spec() {
    ImagePolicySpec spec = new ImagePolicySpec();
    spec.setImages(List.of(host + "/**"));
    return spec;
  }

  private void load(ImagePolicySpec spec) {
    TrustedKey key = PublicKeys.parse(release.publicPem());
    policies.add(
        new LoadedPolicy(
            "p",
            "uid-p",
            1,
            spec,
            spec.getImages().stream().map(ImagePattern::compile).toList(),
            List.of(),
            Map.of("release", key)));
  }
}
