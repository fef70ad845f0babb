package io.dockmaster.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.api.v1alpha1.DistributionSettings;
import io.dockmaster.api.v1alpha1.ImageMirror;
import io.dockmaster.api.v1alpha1.ImageMirrorSpec;
import io.dockmaster.api.v1alpha1.UpstreamRegistry;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.validation.FieldError;
import io.dockmaster.validation.Validated;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MirrorSpecValidatorTest {

  private final MirrorSpecValidator validator = new MirrorSpecValidator();

  @Test
  void normalizesPathsAndFullReferencesOnTheUpstream() {
    Validated<MirrorTarget> result =
        validator.validate(
            mirror(
                "registry.example.com:5000",
                "team/app:1.0",
                "registry.example.com:5000/team/app:1.0",
                "team/db@sha256:" + "a".repeat(64),
                "tools"));

    MirrorTarget target = result.value().orElseThrow();
    assertThat(target.images())
        .extracting(ImageReference::toString)
        .containsExactly(
            "registry.example.com:5000/team/app:1.0",
            "registry.example.com:5000/team/db@sha256:" + "a".repeat(64),
            "registry.example.com:5000/tools:latest");
    assertThat(target.refreshInterval()).isEqualTo(Duration.ofMinutes(15));
  }

  @Test
  void dockerHubPathsGetTheLibraryPrefix() {
    MirrorTarget target =
        validator.validate(mirror("docker.io", "nginx:1.27")).value().orElseThrow();

    assertThat(target.images().get(0)).hasToString("docker.io/library/nginx:1.27");
  }

  @Test
  void reportsEveryProblemWithItsPathAndFix() {
    ImageMirror mirror = mirror("registry.example.com", "other.example.com/team/app:1", "Team/App");
    mirror.getSpec().setRefreshInterval("10s");
    DistributionSettings distribution = new DistributionSettings();
    distribution.setUploadBandwidth(new Quantity("10"));
    mirror.getSpec().setDistribution(distribution);

    Validated<MirrorTarget> result = validator.validate(mirror);

    assertThat(result.errors())
        .extracting(FieldError::path)
        .containsExactly(
            "spec.images[0]",
            "spec.images[1]",
            "spec.refreshInterval",
            "spec.distribution.uploadBandwidth");
    assertThat(result.errors().get(0).message())
        .contains("is on registry other.example.com, not on spec.upstream.registry")
        .contains("write its path on the upstream (e.g. team/app:1)");
    assertThat(result.errors().get(2).message()).contains("shorter than the minimum of 30s");
  }

  static ImageMirror mirror(String registry, String... images) {
    ImageMirror mirror = new ImageMirror();
    mirror.setMetadata(
        new ObjectMetaBuilder().withName("m").withUid("uid-m").withGeneration(1L).build());
    ImageMirrorSpec spec = new ImageMirrorSpec();
    UpstreamRegistry upstream = new UpstreamRegistry();
    upstream.setRegistry(registry);
    spec.setUpstream(upstream);
    spec.setImages(List.of(images));
    mirror.setSpec(spec);
    return mirror;
  }
}
