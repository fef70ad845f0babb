package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageReferenceTest {

  private static final String HEX = "a".repeat(64);
  private static final String DIGEST = "sha256:" + HEX;

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          nginx                                 | docker.io/library/nginx:latest
          nginx:1.25                            | docker.io/library/nginx:1.25
          library/nginx                         | docker.io/library/nginx:latest
          docker.io/nginx                       | docker.io/library/nginx:latest
          docker.io/library/nginx:stable        | docker.io/library/nginx:stable
          index.docker.io/library/nginx:1       | docker.io/library/nginx:1
          index.docker.io/nginx                 | docker.io/library/nginx:latest
          registry-1.docker.io/bitnami/redis    | docker.io/bitnami/redis:latest
          bitnami/redis:7.2                     | docker.io/bitnami/redis:7.2
          localhost/app                         | localhost/app:latest
          localhost:5000/team/app:1.0           | localhost:5000/team/app:1.0
          127.0.0.1:5000/team/app               | 127.0.0.1:5000/team/app:latest
          Quay.IO/org/app:v1                    | quay.io/org/app:v1
          REGISTRY.example.com:443/a/b/c/d:tag  | registry.example.com:443/a/b/c/d:tag
          ghcr.io/org/sub/app:v1.2.3-rc.1       | ghcr.io/org/sub/app:v1.2.3-rc.1
          [::1]:5000/app:1                      | [::1]:5000/app:1
          example.com/app:V1_Build.7            | example.com/app:V1_Build.7
          example.com/my-app__x/a.b_c---d       | example.com/my-app__x/a.b_c---d:latest
          example.com/app:_underscore           | example.com/app:_underscore
          localhost:5000                        | docker.io/library/localhost:5000
          """)
  void normalizes(String input, String expected) {
    assertThat(ImageReference.parse(input)).hasToString(expected);
  }

  @Test
  void keepsDigestAndAddsNoTagWhenOnlyDigestGiven() {
    ImageReference ref = ImageReference.parse("nginx@" + DIGEST);

    assertThat(ref).hasToString("docker.io/library/nginx@" + DIGEST);
    assertThat(ref.tag()).isEmpty();
    assertThat(ref.digest()).contains(Digest.parse(DIGEST));
    assertThat(ref.manifestReference()).isEqualTo(DIGEST);
  }

  @Test
  void keepsBothTagAndDigestButPullsByDigest() {
    ImageReference ref = ImageReference.parse("ghcr.io/org/app:1.0@" + DIGEST);

    assertThat(ref).hasToString("ghcr.io/org/app:1.0@" + DIGEST);
    assertThat(ref.tag()).contains("1.0");
    assertThat(ref.manifestReference()).isEqualTo(DIGEST);
  }

  @Test
  void splitsIntoParts() {
    ImageReference ref = ImageReference.parse("localhost:5000/team/app:1.0");

    assertThat(ref.registry()).isEqualTo("localhost:5000");
    assertThat(ref.repository()).isEqualTo("team/app");
    assertThat(ref.tag()).contains("1.0");
    assertThat(ref.digest()).isEmpty();
    assertThat(ref.manifestReference()).isEqualTo("1.0");
  }

  @Test
  void dockerHubIsServedByItsApiHost() {
    assertThat(ImageReference.parse("nginx").apiHost()).isEqualTo("registry-1.docker.io");
    assertThat(ImageReference.parse("quay.io/a/b").apiHost()).isEqualTo("quay.io");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          nginx                          | nginx:latest
          docker.io/library/nginx:1      | nginx:1
          bitnami/redis                  | bitnami/redis:latest
          quay.io/org/app:v1             | quay.io/org/app:v1
          localhost:5000/app             | localhost:5000/app:latest
          """)
  void familiarFormDropsDefaults(String input, String familiar) {
    assertThat(ImageReference.parse(input).familiar()).isEqualTo(familiar);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          Nginx:1                     | repository must be lowercase
          team/App                    | repository must be lowercase
          nginx:                      | tag "" must be 1 to 128 characters
          nginx:-bad                  | tag "-bad" must be
          nginx:.bad                  | tag ".bad" must be
          nginx:a+b                   | tag "a+b" must be
          nginx@sha256:abc            | sha256 digests need 64 lowercase hex characters
          nginx@md5:0123              | unsupported algorithm "md5"
          nginx@sha256                | expected algorithm:hex
          team//app                   | empty path components
          team/app/                   | empty path components
          example.com/                | must not be empty
          -app                        | repository component "-app" must be lowercase letters
          app_                        | repository component "app_" must be lowercase letters
          a..b                        | repository component "a..b"
          team/a___b                  | repository component "a___b"
          example.com:abc/app         | registry host "example.com:abc" is not a valid host[:port]
          http://example.com/app      | registry host "http:" is not a valid host[:port]
          -example.com/app            | registry host "-example.com" is not a valid host[:port]
          foo bar                     | must not contain whitespace
          """)
  void rejectsWithAMessageNamingTheReferenceAndTheProblem(String input, String reason) {
    assertThatThrownBy(() -> ImageReference.parse(input))
        .isInstanceOf(InvalidReferenceException.class)
        .hasMessageStartingWith("\"" + input + "\" is not a valid image reference: ")
        .hasMessageContaining(reason);
  }

  @Test
  void messageMatchesTheDocumentedExample() {
    assertThatThrownBy(() -> ImageReference.parse("Nginx:1"))
        .hasMessage("\"Nginx:1\" is not a valid image reference: repository must be lowercase");
  }

  @Test
  void rejectsEmptyAndNull() {
    assertThatThrownBy(() -> ImageReference.parse(""))
        .isInstanceOf(InvalidReferenceException.class)
        .hasMessageContaining("must not be empty");
    assertThatThrownBy(() -> ImageReference.parse(null))
        .isInstanceOf(InvalidReferenceException.class);
  }

  @Test
  void rejectsBareImageIds() {
    assertThatThrownBy(() -> ImageReference.parse(HEX)).hasMessageContaining("image ID");
  }

  @Test
  void rejectsTagsLongerThan128() {
    assertThat(ImageReference.parse("app:" + "t".repeat(128)).tag()).contains("t".repeat(128));
    assertThatThrownBy(() -> ImageReference.parse("app:" + "t".repeat(129)))
        .hasMessageContaining("1 to 128 characters");
  }

  @Test
  void rejectsNamesLongerThan255() {
    String longRepo = "example.com/" + "a".repeat(243);
    assertThat(ImageReference.parse(longRepo).repository()).hasSize(243);
    assertThatThrownBy(() -> ImageReference.parse(longRepo + "a"))
        .hasMessageContaining("must not be longer than 255 characters");
  }

  @Test
  void acceptsSha512Digests() {
    String sha512 = "sha512:" + "b".repeat(128);
    assertThat(ImageReference.parse("app@" + sha512).digest()).contains(Digest.parse(sha512));
  }

  @Test
  void withDigestPinsAndKeepsTag() {
    ImageReference pinned = ImageReference.parse("quay.io/org/app:v1").withDigest(DIGEST);

    assertThat(pinned).hasToString("quay.io/org/app:v1@" + DIGEST);
    assertThatThrownBy(() -> ImageReference.parse("app").withDigest("sha256:nothex"))
        .isInstanceOf(InvalidReferenceException.class)
        .hasMessageContaining("64 lowercase hex");
  }

  @Test
  void withTagDropsDigest() {
    ImageReference ref = ImageReference.parse("app:1@" + DIGEST).withTag("2");

    assertThat(ref).hasToString("docker.io/library/app:2");
    assertThatThrownBy(() -> ref.withTag("bad tag")).isInstanceOf(InvalidReferenceException.class);
  }

  @Test
  void cosignSignatureTagIsDerivedFromTheDigest() {
    ImageReference signature =
        ImageReference.parse("ghcr.io/org/app:1@" + DIGEST).cosignSignature();

    assertThat(signature).hasToString("ghcr.io/org/app:sha256-" + HEX + ".sig");
    assertThatThrownBy(() -> ImageReference.parse("app:1").cosignSignature())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void parsesRepositoriesWithoutTags() {
    ImageReference repo = ImageReference.parseRepository("127.0.0.1:5000/team/app");

    assertThat(repo.tag()).isEmpty();
    assertThat(repo).hasToString("127.0.0.1:5000/team/app");
    assertThatThrownBy(() -> ImageReference.parseRepository("team/app:1"))
        .hasMessageContaining("must not carry a tag or digest");
  }

  @Test
  void equalReferencesAreEqual() {
    assertThat(ImageReference.parse("nginx"))
        .isEqualTo(ImageReference.parse("docker.io/library/nginx:latest"))
        .hasSameHashCodeAs(ImageReference.parse("index.docker.io/nginx:latest"));
    assertThat(ImageReference.parse("nginx:1")).isNotEqualTo(ImageReference.parse("nginx:2"));
  }

  @Test
  void normalizesRegistryAliases() {
    assertThat(ImageReference.normalizeRegistry("Index.Docker.IO")).isEqualTo("docker.io");
    assertThat(ImageReference.normalizeRegistry("registry-1.docker.io")).isEqualTo("docker.io");
    assertThat(ImageReference.normalizeRegistry("Quay.io:443")).isEqualTo("quay.io:443");
  }
}
