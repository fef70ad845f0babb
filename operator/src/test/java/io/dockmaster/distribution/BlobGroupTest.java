package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.control.UpstreamAccess;
import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BlobGroupTest {

  private static final String AMD64 = "linux/amd64";
  private static final String ARM64 = "linux/arm64";
  private static final WantedBlob SHARED = blob("app layer");
  private static final WantedBlob AMD64_BASE = blob("amd64 base");
  private static final WantedBlob ARM64_BASE = blob("arm64 base");
  private static final WantedBlob EVERYWHERE = blob("single-platform image layer");

  private static WantedBlob blob(String content) {
    Digest digest = Digest.sha256(content.getBytes(StandardCharsets.UTF_8));
    return new WantedBlob(
        new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", digest, 100), "team/app");
  }

  private static DistributionTarget target(Map<String, List<WantedBlob>> blobs) {
    return new DistributionTarget(
        "uid",
        "app",
        1,
        UpstreamAccess.anonymous("registry.example.com", false),
        blobs,
        Optional.empty(),
        1,
        0,
        0,
        false,
        Map.of(),
        Map.of());
  }

  @Test
  void blobsAreGroupedByExactlyThePlatformsThatNeedThem() {
    DistributionTarget target =
        target(
            Map.of(
                AMD64,
                List.of(AMD64_BASE, SHARED),
                ARM64,
                List.of(ARM64_BASE, SHARED),
                DistributionTarget.ANY_PLATFORM,
                List.of(EVERYWHERE)));

    List<BlobGroup> groups = BlobGroup.of(target, List.of(ARM64, AMD64));

    assertThat(groups)
        .containsExactlyInAnyOrder(
            new BlobGroup(Set.of(AMD64), List.of(AMD64_BASE)),
            new BlobGroup(Set.of(ARM64), List.of(ARM64_BASE)),
            new BlobGroup(Set.of(AMD64, ARM64), List.of(SHARED, EVERYWHERE)));
  }

  @Test
  void onlyThePlatformsOfNodesPresentCount() {
    DistributionTarget target =
        target(Map.of(AMD64, List.of(AMD64_BASE, SHARED), ARM64, List.of(ARM64_BASE, SHARED)));

    assertThat(BlobGroup.of(target, List.of(AMD64)))
        .containsExactly(new BlobGroup(Set.of(AMD64), List.of(AMD64_BASE, SHARED)));
    assertThat(BlobGroup.of(target, List.of())).isEmpty();
  }
}
