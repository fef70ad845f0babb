package io.dockmaster.signature;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * Reads attestation JSON the way cosign's Go code does, minus its ambiguities. Go's encoding/json
 * matches field names case-insensitively and silently keeps the last of duplicate keys; here names
 * match case-insensitively too, but two keys that both match are refused, so no document reads one
 * way here and another way in cosign.
 */
final class AttestationJson {

  /**
   * Deep enough for any real SBOM predicate (CycloneDX nests components in components), shallow
   * enough that hostile nesting costs nothing.
   */
  private static final int MAX_NESTING_DEPTH = 256;

  /** For whole documents: nothing may follow the value. */
  static final ObjectMapper DOCUMENTS =
      new ObjectMapper(factory()).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** For parsers that stream a document and read some of its values as trees. */
  static final ObjectMapper VALUES = new ObjectMapper(factory());

  private AttestationJson() {}

  private static JsonFactory factory() {
    return JsonFactory.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .streamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
        .build();
  }

  /** The one field of {@code parent} named {@code name} in any case, if there is one. */
  static Optional<JsonNode> field(JsonNode parent, String name, String path)
      throws InvalidAttestationException {
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
      throw new InvalidAttestationException(path + " appears more than once");
    }
    return matches.stream().findFirst();
  }

  static JsonNode required(JsonNode parent, String name, String path)
      throws InvalidAttestationException {
    return field(parent, name, path)
        .orElseThrow(() -> new InvalidAttestationException("has no " + path));
  }

  static String text(JsonNode parent, String name, String path) throws InvalidAttestationException {
    JsonNode node = required(parent, name, path);
    if (!node.isTextual()) {
      throw new InvalidAttestationException(path + " is not a string");
    }
    return node.textValue();
  }
}
