package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PlatformTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          linux/amd64          | linux/amd64
          linux/x86_64         | linux/amd64
          linux/x86-64         | linux/amd64
          linux/amd64/v1       | linux/amd64
          linux/amd64/v3       | linux/amd64/v3
          linux/aarch64        | linux/arm64
          linux/arm64/v8       | linux/arm64
          linux/arm64/8        | linux/arm64
          linux/aarch64/v8.0   | linux/arm64
          linux/arm64/v9.0     | linux/arm64/v9
          linux/arm            | linux/arm/v7
          linux/arm/7          | linux/arm/v7
          linux/arm/6          | linux/arm/v6
          linux/armhf          | linux/arm/v7
          linux/armel          | linux/arm/v6
          linux/i386           | linux/386
          Linux/AMD64          | linux/amd64
          macos/arm64          | darwin/arm64
          linux/ppc64le        | linux/ppc64le
          windows/amd64        | windows/amd64
          """)
  void normalizesLikeContainerd(String input, String normalized) {
    assertThat(Platform.parse(input)).hasToString(normalized);
  }

  @Test
  void arm64WithAndWithoutV8AreTheSamePlatform() {
    assertThat(Platform.parse("linux/arm64/v8").matches(Platform.parse("linux/aarch64"))).isTrue();
    assertThat(Platform.parse("linux/arm64")).isEqualTo(Platform.LINUX_ARM64);
  }

  @Test
  void differentArchitecturesOrOsDoNotMatch() {
    assertThat(Platform.LINUX_AMD64.matches(Platform.LINUX_ARM64)).isFalse();
    assertThat(Platform.LINUX_AMD64.matches(Platform.parse("windows/amd64"))).isFalse();
    assertThat(Platform.parse("linux/arm/v7").matches(Platform.parse("linux/arm/v6"))).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"linux", "linux/", "/amd64", "a/b/c/d", "''"})
  void rejectsMalformed(String input) {
    assertThatThrownBy(() -> Platform.parse(input))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected os/arch[/variant]");
  }

  @Test
  void compatibleListsFallbacksBestFirst() {
    assertThat(Platform.parse("linux/amd64/v3").compatible())
        .containsExactly(
            Platform.parse("linux/amd64/v3"),
            Platform.parse("linux/amd64/v2"),
            Platform.LINUX_AMD64,
            Platform.parse("linux/386"));
    assertThat(Platform.LINUX_ARM64.compatible())
        .containsExactly(
            Platform.LINUX_ARM64,
            Platform.parse("linux/arm/v8"),
            Platform.parse("linux/arm/v7"),
            Platform.parse("linux/arm/v6"),
            Platform.parse("linux/arm/v5"));
    assertThat(Platform.parse("linux/arm/v6").compatible())
        .containsExactly(Platform.parse("linux/arm/v6"), Platform.parse("linux/arm/v5"));
    assertThat(Platform.parse("linux/s390x").compatible())
        .containsExactly(Platform.parse("linux/s390x"));
  }

  @Test
  void indexSelectionPrefersExactMatchOverCompatible() {
    Descriptor arm = entry("1", "linux", "arm", "v7");
    Descriptor arm64 = entry("2", "linux", "arm64", "v8");
    Descriptor amd64 = entry("3", "linux", "amd64", null);
    ImageIndex index = index(arm, arm64, amd64);

    assertThat(index.select(Platform.LINUX_ARM64)).contains(arm64);
    assertThat(index.select(Platform.LINUX_AMD64)).contains(amd64);
    assertThat(index.select(Platform.parse("linux/arm/v7"))).contains(arm);
  }

  @Test
  void indexSelectionFallsBackToCompatiblePlatforms() {
    Descriptor arm = entry("1", "linux", "arm", "v7");
    Descriptor i386 = entry("2", "linux", "386", null);

    assertThat(index(arm, i386).select(Platform.LINUX_ARM64)).contains(arm);
    assertThat(index(arm, i386).select(Platform.LINUX_AMD64)).contains(i386);
    assertThat(index(arm).select(Platform.parse("linux/s390x"))).isEmpty();
  }

  @Test
  void indexSelectionIgnoresAttestationsAndPlatformlessEntries() {
    Descriptor attestation = entry("1", "unknown", "unknown", null);
    Descriptor noPlatform = new Descriptor(MediaTypes.OCI_MANIFEST, digest("2"), 10);
    Descriptor amd64 = entry("3", "linux", "amd64", null);
    ImageIndex index = index(attestation, noPlatform, amd64);

    assertThat(index.select(Platform.LINUX_AMD64)).contains(amd64);
    assertThat(index.platformManifests()).containsExactly(amd64);
  }

  @Test
  void indexEntryPlatformsAreParsedFromJsonAndNormalized() throws Exception {
    String json =
        """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7,
           "digest":"sha256:%s","platform":{"architecture":"aarch64","os":"linux",
           "variant":"v8","os.version":"ignored"}}]}
        """
            .formatted("c".repeat(64));
    ImageIndex index = FetchedManifest.JSON.readValue(json, ImageIndex.class);

    assertThat(index.manifests()).hasSize(1);
    assertThat(index.manifests().get(0).platform()).isEqualTo(Platform.LINUX_ARM64);
    assertThat(index.select(Platform.parse("linux/arm64/v8"))).isPresent();
  }

  private static Descriptor entry(String digestChar, String os, String arch, String variant) {
    return new Descriptor(
        MediaTypes.OCI_MANIFEST,
        digest(digestChar),
        100,
        new Platform(os, arch, variant),
        null,
        null,
        null);
  }

  private static Digest digest(String c) {
    return Digest.parse("sha256:" + c.repeat(64));
  }

  private static ImageIndex index(Descriptor... entries) {
    return new ImageIndex(2, MediaTypes.OCI_INDEX, null, List.of(entries), null, null);
  }
}
