package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.registry.RegistryException.Kind;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FetchedManifestTest {

  private static final Target TARGET =
      Target.manifest(ImageReference.parse("127.0.0.1:5000/team/app:1.0"));
  private static final String CONFIG = "sha256:" + "1".repeat(64);
  private static final String LAYER = "sha256:" + "2".repeat(64);

  private static FetchedManifest parse(String json, String contentType) {
    byte[] raw = json.getBytes(StandardCharsets.UTF_8);
    return FetchedManifest.parse(raw, contentType, Digest.sha256(raw), TARGET);
  }

  @Test
  void parsesDockerSchema2Manifest() {
    FetchedManifest fetched =
        parse(
            """
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
             "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":233,
                       "digest":"%s"},
             "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip",
                        "size":128,"digest":"%s"}]}
            """
                .formatted(CONFIG, LAYER),
            "");

    Manifest manifest = fetched.manifest().orElseThrow();
    assertThat(fetched.isIndex()).isFalse();
    assertThat(fetched.descriptor().mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
    assertThat(manifest.config().digest()).isEqualTo(Digest.parse(CONFIG));
    assertThat(manifest.config().size()).isEqualTo(233);
    assertThat(manifest.layers())
        .singleElement()
        .satisfies(l -> assertThat(l.digest()).hasToString(LAYER));
  }

  @Test
  void keepsRawBytesAndTheirDigest() {
    String json =
        "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"size\":1,\"digest\":\""
            + CONFIG
            + "\"},\"layers\":[]}";
    FetchedManifest fetched = parse(json, "application/vnd.oci.image.manifest.v1+json");

    assertThat(fetched.raw()).isEqualTo(json.getBytes(StandardCharsets.UTF_8));
    assertThat(fetched.digest()).isEqualTo(Digest.sha256(fetched.raw()));
    assertThat(fetched.descriptor().size()).isEqualTo(json.length());
    assertThat(fetched.descriptor().mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
  }

  @Test
  void sniffsIndexWhenMediaTypeIsMissingAndContentTypeIsGeneric() {
    FetchedManifest fetched =
        parse("{\"schemaVersion\":2,\"manifests\":[]}", "application/json; charset=utf-8");

    assertThat(fetched.isIndex()).isTrue();
    assertThat(fetched.index().orElseThrow().manifests()).isEmpty();
  }

  @Test
  void parsesCosignStyleManifestWithAnnotationsAndSubject() {
    FetchedManifest fetched =
        parse(
            """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":1,"digest":"%s"},
             "layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":2,
                        "digest":"%s","annotations":{"dev.cosignproject.cosign/signature":"MEU="}}],
             "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":3,"digest":"%s"}}
            """
                .formatted(CONFIG, LAYER, CONFIG),
            "");

    Manifest manifest = fetched.manifest().orElseThrow();
    assertThat(manifest.layers().get(0).annotations())
        .containsEntry("dev.cosignproject.cosign/signature", "MEU=");
    assertThat(manifest.layers().get(0).mediaType()).isEqualTo(MediaTypes.COSIGN_SIMPLE_SIGNING);
    assertThat(manifest.subjectIfSet()).isPresent();
  }

  @Test
  void rejectsSchema1AndGarbageAsProtocolErrors() {
    assertThatThrownBy(
            () ->
                parse(
                    "{\"schemaVersion\":1,\"name\":\"x\"}",
                    "application/vnd.docker.distribution.manifest.v1+prettyjws"))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.PROTOCOL))
        .hasMessageContaining("unsupported media type")
        .hasMessageContaining("manifest team/app:1.0");
    assertThatThrownBy(() -> parse("not json", ""))
        .hasMessageContaining("manifest team/app:1.0 that is not valid JSON");
    assertThatThrownBy(
            () -> parse("{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"layers\":[]}", ""))
        .hasMessageContaining("without a config descriptor");
    assertThatThrownBy(
            () ->
                parse(
                    "{\"mediaType\":\""
                        + MediaTypes.OCI_MANIFEST
                        + "\",\"config\":{\"digest\":\"sha256:bad\",\"size\":1}}",
                    ""))
        .hasMessageContaining("malformed")
        .hasMessageNotContaining("Exception");
  }
}
