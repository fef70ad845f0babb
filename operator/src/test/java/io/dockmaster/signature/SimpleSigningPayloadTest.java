package io.dockmaster.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.registry.Digest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SimpleSigningPayloadTest {

  private static final String DIGEST =
      "sha256:0ae7ef3b8a1cfbe8b93a20698f325aba02266519b058e70c098073bad9eb0e53";

  @Test
  void readsWhatCosignWrites() throws Exception {
    SimpleSigningPayload payload = SimpleSigningPayload.parse(CosignVectors.PAYLOAD);

    assertThat(payload.manifestDigest()).isEqualTo(CosignVectors.IMAGE);
    assertThat(payload.dockerReference()).isEqualTo("127.0.0.1:15917/team/app");
    // The layer digest cosign pushed, so the vector is the payload byte for byte.
    assertThat(Digest.sha256(CosignVectors.PAYLOAD))
        .hasToString("sha256:28453593546d3f9b72e74b5c58e383b7be1ed48130cd31e8e7b0a3d3a95e2c2c");
  }

  @Test
  void ignoresOptionalClaimsAndUnknownFields() throws Exception {
    SimpleSigningPayload payload =
        parse(
            "{'critical':{'identity':{'docker-reference':'r/a'},'image':{'docker-manifest-digest':'"
                + DIGEST
                + "'},'type':'cosign container image signature','extra':1},"
                + "'optional':{'creator':'ci','n':[1,2,{'x':null}]}}");

    assertThat(payload.manifestDigest()).hasToString(DIGEST);
  }

  @Test
  void identityIsOptionalBecauseCosignIgnoresIt() throws Exception {
    assertThat(parse(critical("'image':{'docker-manifest-digest':'" + DIGEST + "'}, " + TYPE)))
        .isEqualTo(new SimpleSigningPayload(Digest.parse(DIGEST), ""));
  }

  @Test
  void matchesFieldNamesCaseInsensitivelyLikeGo() throws Exception {
    // Early cosign wrote "Docker-manifest-digest"; Go's encoding/json reads it either way.
    assertThat(
            parse(critical("'Image':{'Docker-manifest-digest':'" + DIGEST + "'}, " + TYPE))
                .manifestDigest())
        .hasToString(DIGEST);
  }

  @Test
  void refusesMissingFields() {
    assertRefused("{}", "has no critical");
    assertRefused(
        "{'critical':{'type':'cosign container image signature'}}", "has no critical.image");
    assertRefused(critical("'image':{}, " + TYPE), "has no critical.image.docker-manifest-digest");
    assertRefused(critical("'image':{'docker-manifest-digest':'" + DIGEST + "'}"), "critical.type");
  }

  @Test
  void refusesWrongTypes() {
    assertRefused("[]", "not a JSON object");
    assertRefused("\"text\"", "not a JSON object");
    assertRefused("null", "not a JSON object");
    assertRefused("{'critical':'x'}", "critical is not an object");
    assertRefused(critical("'image':[], " + TYPE), "critical.image is not an object");
    assertRefused(
        critical("'image':{'docker-manifest-digest':42}, " + TYPE),
        "critical.image.docker-manifest-digest is not a string");
    assertRefused(
        critical("'image':{'docker-manifest-digest':'" + DIGEST + "'}, 'type':7"),
        "critical.type is not a string");
  }

  @Test
  void refusesOtherPayloadTypes() {
    assertRefused(
        critical(
            "'image':{'docker-manifest-digest':'"
                + DIGEST
                + "'}, 'type':'atomic container signature'"),
        "critical.type is \"atomic container signature\", not \"cosign container image signature\"");
  }

  @Test
  void refusesDigestsThatAreNotDigests() {
    assertRefused(
        critical("'image':{'docker-manifest-digest':'sha256:abc'}, " + TYPE), "is not a digest");
    assertRefused(
        critical("'image':{'docker-manifest-digest':'" + DIGEST.substring(7) + "'}, " + TYPE),
        "is not a digest");
  }

  @Test
  void refusesAmbiguousPayloads() {
    // Two parsers must never read one signed payload as two different images.
    assertRefused(
        critical(
            "'image':{'docker-manifest-digest':'"
                + DIGEST
                + "','docker-manifest-digest':'sha256:"
                + "1".repeat(64)
                + "'}, "
                + TYPE),
        "not valid JSON");
    assertRefused(
        critical(
            "'image':{'docker-manifest-digest':'"
                + DIGEST
                + "','Docker-Manifest-Digest':'sha256:"
                + "1".repeat(64)
                + "'}, "
                + TYPE),
        "critical.image.docker-manifest-digest appears more than once");
  }

  @Test
  void refusesGarbage() {
    assertRefused("", "not a JSON object");
    assertRefused("{", "not valid JSON");
    assertRefused("{} {}", "not valid JSON");
    assertRefusedBytes(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}, "not valid JSON");
    assertRefusedBytes(
        ("{\"critical\":\"" + "\u0000".repeat(3) + "\"}").getBytes(StandardCharsets.UTF_8),
        "not valid JSON");
  }

  @Test
  void refusesDeepNestingWithoutRecursingIntoIt() {
    String deep = "[".repeat(10_000) + "]".repeat(10_000);

    assertRefused("{'optional':" + deep + "}", "not valid JSON");
  }

  @Test
  void messagesAboutUntrustedTextAreShortAndPrintable() {
    // JSON escapes, so the parser accepts the string and the message has to clean it.
    String type = "x\\u0007".repeat(200);

    assertThatThrownBy(() -> parse(critical("'image':{}, 'type':'" + type + "'")))
        .isInstanceOf(InvalidPayloadException.class)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200).doesNotContain("\u0007"));
  }

  private static final String TYPE = "'type':'cosign container image signature'";

  private static String critical(String content) {
    return "{'critical':{" + content + "}}";
  }

  private static SimpleSigningPayload parse(String singleQuoted) throws InvalidPayloadException {
    return SimpleSigningPayload.parse(
        singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
  }

  private static void assertRefused(String singleQuoted, String message) {
    assertThatThrownBy(() -> parse(singleQuoted))
        .isInstanceOf(InvalidPayloadException.class)
        .hasMessageContaining(message);
  }

  private static void assertRefusedBytes(byte[] payload, String message) {
    assertThatThrownBy(() -> SimpleSigningPayload.parse(payload))
        .isInstanceOf(InvalidPayloadException.class)
        .hasMessageContaining(message);
  }
}
