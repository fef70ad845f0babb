package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestVerifyingInputStreamTest {

  private static final byte[] CONTENT = "layer content\n".getBytes(StandardCharsets.UTF_8);
  private static final Digest DIGEST = Digest.sha256(CONTENT);

  private static DigestVerifyingInputStream stream(byte[] served, Digest expected, long size) {
    return new DigestVerifyingInputStream(
        new ByteArrayInputStream(served), expected, size, "127.0.0.1:5000", "team/app");
  }

  @Test
  void passesMatchingContentThrough() throws Exception {
    try (DigestVerifyingInputStream in = stream(CONTENT, DIGEST, CONTENT.length)) {
      assertThat(in.readAllBytes()).isEqualTo(CONTENT);
      assertThat(in.bytesRead()).isEqualTo(CONTENT.length);
      assertThat(in.read()).as("reading again after the verified end").isEqualTo(-1);
    }
  }

  @Test
  void verifiesWhenReadByteByByteAndWithUnknownSize() throws Exception {
    try (InputStream in = stream(CONTENT, DIGEST, -1)) {
      int count = 0;
      while (in.read() >= 0) {
        count++;
      }
      assertThat(count).isEqualTo(CONTENT.length);
    }
  }

  @Test
  void failsAtEndOfStreamOnWrongContent() {
    byte[] tampered = CONTENT.clone();
    tampered[0] ^= 1;
    DigestVerifyingInputStream in = stream(tampered, DIGEST, CONTENT.length);

    assertThatThrownBy(in::readAllBytes)
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.DIGEST_MISMATCH))
        .hasMessageContaining("registry 127.0.0.1:5000")
        .hasMessageContaining("blob " + DIGEST + " in repository team/app")
        .hasMessageContaining("digest is " + Digest.sha256(tampered));
    assertThatThrownBy(in::read).as("the failure sticks").isInstanceOf(RegistryException.class);
  }

  @Test
  void failsOnShortContent() {
    byte[] truncated = java.util.Arrays.copyOf(CONTENT, CONTENT.length - 1);

    assertThatThrownBy(() -> stream(truncated, DIGEST, CONTENT.length).readAllBytes())
        .hasMessageContaining(
            "with " + truncated.length + " bytes instead of the expected " + CONTENT.length);
  }

  @Test
  void failsAsSoonAsContentExceedsTheExpectedSize() throws Exception {
    byte[] longer = new byte[1000];
    DigestVerifyingInputStream in = stream(longer, DIGEST, 10);

    byte[] buffer = new byte[8];
    assertThat(in.read(buffer)).isEqualTo(8);
    assertThatThrownBy(() -> in.read(buffer))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("more than the expected 10 bytes");
  }

  @Test
  void skippingStillHashes() {
    byte[] tampered = CONTENT.clone();
    tampered[1] ^= 1;

    assertThatThrownBy(
            () -> {
              try (InputStream in = stream(tampered, DIGEST, CONTENT.length)) {
                in.skip(5);
                in.readAllBytes();
              }
            })
        .isInstanceOf(RegistryException.class);
  }

  @Test
  void markIsNotSupported() {
    assertThat(stream(CONTENT, DIGEST, -1).markSupported()).isFalse();
  }
}
