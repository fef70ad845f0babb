package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DigestTest {

  /** sha256("hello\n"), as printed by sha256sum. */
  private static final String HELLO =
      "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

  @Test
  void computesSha256OfBytes() {
    Digest digest = Digest.sha256("hello\n".getBytes(StandardCharsets.UTF_8));

    assertThat(digest).hasToString(HELLO);
    assertThat(digest.algorithm()).isEqualTo("sha256");
    assertThat(digest.hex()).hasSize(64);
    assertThat(digest).isEqualTo(Digest.parse(HELLO));
  }

  @Test
  void streamingHasherGivesTheSameDigest() {
    Digest expected = Digest.parse(HELLO);
    MessageDigest hasher = expected.newHasher();
    hasher.update("hel".getBytes(StandardCharsets.UTF_8));
    hasher.update("lo\n".getBytes(StandardCharsets.UTF_8));

    assertThat(Digest.of(hasher)).isEqualTo(expected);
  }

  @Test
  void matchesContent() {
    Digest digest = Digest.parse(HELLO);

    assertThat(digest.matches("hello\n".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(digest.matches("hello".getBytes(StandardCharsets.UTF_8))).isFalse();
  }

  @Test
  void supportsSha512() {
    Digest digest = Digest.parse("sha512:" + "0".repeat(128));
    MessageDigest hasher = digest.newHasher();

    assertThat(hasher.getAlgorithm()).isEqualTo("SHA-512");
    assertThat(Digest.of(hasher).algorithm()).isEqualTo("sha512");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          sha256                                 | expected algorithm:hex
          sha256:abc                             | sha256 digests need 64 lowercase hex characters
          sha512:abc                             | sha512 digests need 128 lowercase hex characters
          md5:d41d8cd98f00b204e9800998ecf8427e   | unsupported algorithm "md5"
          SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | unsupported algorithm
          sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA | lowercase hex
          """)
  void rejectsMalformedDigests(String input, String reason) {
    assertThatThrownBy(() -> Digest.parse(input))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("\"" + input + "\" is not a valid digest")
        .hasMessageContaining(reason);
  }

  @Test
  void rejectsEmpty() {
    assertThatThrownBy(() -> Digest.parse("")).hasMessage("digest must not be empty");
  }

  @Test
  void derivedForms() {
    Digest digest = Digest.parse(HELLO);

    assertThat(digest.asTagPrefix()).isEqualTo("sha256-" + digest.hex());
    assertThat(digest.shortForm()).isEqualTo("sha256:5891b5b522d5");
  }
}
