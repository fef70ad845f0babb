package io.dockmaster.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.api.v1alpha1.SignaturePolicy;
import io.dockmaster.registry.CredentialsProvider;
import io.dockmaster.registry.RegistryClient;
import io.dockmaster.registry.RegistrySettings;
import io.dockmaster.registry.RetryPolicy;
import io.dockmaster.signature.PublicKeys;
import io.dockmaster.signature.SignatureVerifier;
import io.dockmaster.testing.Cosign;
import io.dockmaster.testing.RegistryServer;
import io.dockmaster.testing.TestImages;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry that goes away: digests verified before keep their verdict, everything else fails
 * closed naming the registry, and the lookups are counted.
 */
class RegistryOutageIT {

  @TempDir Path tmp;

  @Test
  void verifiedDigestsSurviveAnOutageAndEverythingElseFailsClosed() {
    RegistryServer registry = RegistryServer.distribution().start();
    String host = registry.host();
    String signed;
    String unsigned;
    Cosign.Keys release;
    try {
      TestImages crane = TestImages.anonymous();
      crane.push(host + "/app:base", TestImages.layer(tmp, Map.of("a", "a\n")));
      signed =
          host
              + "/app@"
              + crane.mutate(host + "/app:base", host + "/app:1", "10001", "linux/amd64");
      unsigned =
          host
              + "/app@"
              + crane.mutate(host + "/app:base", host + "/app:2", "10002", "linux/amd64");
      Cosign cosign = Cosign.in(tmp.resolve("cosign"));
      release = cosign.generateKeyPair("release");
      cosign.sign(release, signed);
    } catch (RuntimeException e) {
      registry.close();
      throw e;
    }

    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    // Verdicts expire at once, so every review asks the registry again, as after the TTL.
    RegistryImageInspector inspector =
        new RegistryImageInspector(
            RegistryClient.builder()
                .settings(
                    RegistrySettings.builder()
                        .retryPolicy(RetryPolicy.NONE)
                        .connectTimeout(Duration.ofSeconds(1))
                        .build())
                .build(),
            SignatureVerifier.cosign(),
            new RegistryImageInspector.CacheSettings(
                Duration.ofSeconds(30), Duration.ZERO, Duration.ZERO, 100),
            metrics);
    ImagePolicySpec spec = new ImagePolicySpec();
    spec.setImages(List.of(host + "/**"));
    spec.setSignature(new SignaturePolicy());
    LoadedPolicy policy =
        new LoadedPolicy(
            "p",
            "uid-p",
            1,
            spec,
            List.of(ImagePattern.compile(host + "/**")),
            List.of(),
            Map.of("release", PublicKeys.parse(release.publicPem())));
    PolicyEvaluator evaluator =
        new PolicyEvaluator(
            () -> List.of(policy),
            inspector,
            (ns, secrets) -> CredentialsProvider.anonymous(),
            Set.of());

    assertThat(review(evaluator, signed)).isEmpty();
    assertThat(review(evaluator, unsigned))
        .extracting(Violation::reason)
        .containsExactly(ViolationReason.NOT_SIGNED);

    registry.close();

    assertThat(review(evaluator, signed)).as("verified before the outage").isEmpty();
    assertThat(review(evaluator, unsigned))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.reason()).isEqualTo(ViolationReason.IMAGE_UNAVAILABLE);
              assertThat(v.problem()).contains(host).contains("unreachable");
            });
    assertThat(
            metrics
                .counter("dockmaster_admission_stale_verdicts_total", "lookup", "signatures")
                .count())
        .isEqualTo(1);
    assertThat(
            metrics
                .counter(
                    "dockmaster_registry_lookups_total",
                    "lookup",
                    "signatures",
                    "registry",
                    host,
                    "outcome",
                    "unreachable")
                .count())
        .isEqualTo(2);
  }

  private static List<Violation> review(PolicyEvaluator evaluator, String image) {
    var pod =
        new PodSpecBuilder()
            .addNewContainer()
            .withName("app")
            .withImage(image)
            .endContainer()
            .build();
    return evaluator.review(
        new PodUnderReview("team", Map.of(), "Pod", "p", "spec", pod, false, List.of()));
  }
}
