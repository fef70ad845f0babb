package io.dockmaster.signature;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * The cosign simple-signing payload ({@code application/vnd.dev.cosign.simplesigning.v1+json}):
 * which image digest a signature is for. Only the fields a decision rests on are read; {@code
 * optional} claims are ignored.
 *
 * @param manifestDigest {@code critical.image.docker-manifest-digest}
 * @param dockerReference {@code critical.identity.docker-reference}, informational only: cosign's
 *     spec says it is ignored, since signatures are copied between repositories
 */
public record SimpleSigningPayload(Digest manifestDigest, String dockerReference) {

  /** The {@code critical.type} cosign writes and requires. */
  public static final String COSIGN_TYPE = "cosign container image signature";

  private static final ObjectMapper JSON =
      new ObjectMapper(
              JsonFactory.builder()
                  // Duplicate keys would let two parsers read one signed payload differently.
                  .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(32).build())
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /**
   * Parses payload bytes; the caller bounds their size.
   *
   * @throws InvalidPayloadException naming the first thing that is wrong
   */
  public static SimpleSigningPayload parse(byte[] payload) throws InvalidPayloadException {
    JsonNode root;
    try {
      root = JSON.readTree(payload);
    } catch (IOException e) {
      throw new InvalidPayloadException("not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw new InvalidPayloadException("not a JSON object");
    }
    JsonNode critical = object(root, "critical", "critical");
    String type = text(critical, "type", "critical.type");
    if (!COSIGN_TYPE.equals(type)) {
      throw new InvalidPayloadException(
          "critical.type is \"" + printable(type) + "\", not \"" + COSIGN_TYPE + "\"");
    }
    JsonNode image = object(critical, "image", "critical.image");
    String digest = text(image, "docker-manifest-digest", "critical.image.docker-manifest-digest");
    Digest manifestDigest;
    try {
      manifestDigest = Digest.parse(digest);
    } catch (IllegalArgumentException e) {
      throw new InvalidPayloadException(
          "critical.image.docker-manifest-digest \"" + printable(digest) + "\" is not a digest");
    }
    String reference =
        field(critical, "identity", "critical.identity")
            .flatMap(identity -> textIfPresent(identity, "docker-reference"))
            .orElse("");
    return new SimpleSigningPayload(manifestDigest, reference);
  }

  private static JsonNode object(JsonNode parent, String name, String path)
      throws InvalidPayloadException {
    JsonNode node =
        field(parent, name, path).orElseThrow(() -> new InvalidPayloadException("has no " + path));
    if (!node.isObject()) {
      throw new InvalidPayloadException(path + " is not an object");
    }
    return node;
  }

  private static String text(JsonNode parent, String name, String path)
      throws InvalidPayloadException {
    JsonNode node =
        field(parent, name, path).orElseThrow(() -> new InvalidPayloadException("has no " + path));
    if (!node.isTextual()) {
      throw new InvalidPayloadException(path + " is not a string");
    }
    return node.textValue();
  }

  private static Optional<String> textIfPresent(JsonNode parent, String name) {
    try {
      return field(parent, name, name).filter(JsonNode::isTextual).map(JsonNode::textValue);
    } catch (InvalidPayloadException e) {
      return Optional.empty();
    }
  }

  /**
   * Cosign reads payloads with Go's encoding/json, which matches field names case-insensitively
   * (early cosign wrote {@code Docker-manifest-digest}); so do we, but two keys that both match are
   * ambiguous and refused, where Go would silently take the last.
   */
  private static Optional<JsonNode> field(JsonNode parent, String name, String path)
      throws InvalidPayloadException {
    if (!parent.isObject()) {
      return Optional.empty();
    }
    List<JsonNode> matches = new ArrayList<>(1);
    for (Iterator<String> names = parent.fieldNames(); names.hasNext(); ) {
      String candidate = names.next();
      if (candidate.equalsIgnoreCase(name)) {
        matches.add(parent.get(candidate));
      }
    }
    if (matches.size() > 1) {
      throw new InvalidPayloadException(path + " appears more than once");
    }
    return matches.stream().findFirst();
  }

  /** At most 80 characters without control characters, for messages about untrusted input. */
  static String printable(String untrusted) {
    StringBuilder out = new StringBuilder();
    untrusted
        .codePoints()
        .limit(80)
        .forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return untrusted.codePointCount(0, untrusted.length()) > 80 ? out + "…" : out.toString();
  }
}
