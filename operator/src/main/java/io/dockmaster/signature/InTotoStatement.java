package io.dockmaster.signature;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The in-toto statement an attestation envelope carries: what it says ({@code predicateType}) about
 * which artifacts ({@code subject}, by digest). The predicate itself (an SBOM, a provenance
 * record...) is skipped unread: policies ask only whether a trusted party attested it.
 *
 * @param subjects each subject's digest set, algorithm to hex, exactly as written
 */
public record InTotoStatement(
    String type, String predicateType, List<Map<String, String>> subjects) {

  /** Statement versions cosign writes (v0.1, cosign 2) and the in-toto spec's current one. */
  public static final Set<String> STATEMENT_TYPES =
      Set.of("https://in-toto.io/Statement/v0.1", "https://in-toto.io/Statement/v1");

  public InTotoStatement {
    subjects = subjects.stream().map(Map::copyOf).toList();
  }

  /**
   * Parses statement bytes; the caller bounds their size. Streams past the predicate, which can be
   * megabytes, instead of building a tree of it.
   *
   * @throws InvalidAttestationException naming the first thing that is wrong
   */
  public static InTotoStatement parse(byte[] json) throws InvalidAttestationException {
    Map<String, JsonNode> fields = new LinkedHashMap<>();
    try (JsonParser parser = AttestationJson.VALUES.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new InvalidAttestationException("not a JSON object");
      }
      boolean predicateSeen = false;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        parser.nextToken();
        String known = known(name);
        if (known == null) {
          parser.skipChildren();
        } else if (fields.containsKey(known) || (known.equals("predicate") && predicateSeen)) {
          throw new InvalidAttestationException(known + " appears more than once");
        } else if (known.equals("predicate")) {
          predicateSeen = true;
          parser.skipChildren();
        } else {
          fields.put(known, AttestationJson.VALUES.readTree(parser));
        }
      }
      if (parser.nextToken() != null) {
        throw new InvalidAttestationException("has content after the statement");
      }
    } catch (IOException e) {
      throw new InvalidAttestationException("not valid JSON");
    }
    String type = text(fields, "_type");
    if (!STATEMENT_TYPES.contains(type)) {
      throw new InvalidAttestationException(
          "_type is \"" + SimpleSigningPayload.printable(type) + "\", not an in-toto statement");
    }
    String predicateType = text(fields, "predicateType");
    if (predicateType.isEmpty()) {
      throw new InvalidAttestationException("predicateType is empty");
    }
    return new InTotoStatement(type, predicateType, subjects(fields.get("subject")));
  }

  /** Whether a subject names {@code digest}, compared exactly as cosign compares it. */
  public boolean covers(Digest digest) {
    return subjects.stream().anyMatch(s -> digest.hex().equals(s.get(digest.algorithm())));
  }

  /** The subjects' digests for messages, e.g. {@code sha256:0123456789ab}, at most three. */
  public String describeSubjects() {
    List<String> described = new ArrayList<>();
    for (Map<String, String> subject : subjects) {
      subject.entrySet().stream()
          .min(Map.Entry.comparingByKey())
          .ifPresent(
              e -> {
                String hex = e.getValue();
                described.add(
                    SimpleSigningPayload.printable(
                        e.getKey() + ":" + (hex.length() > 12 ? hex.substring(0, 12) : hex)));
              });
    }
    if (described.size() > 3) {
      return String.join(", ", described.subList(0, 3))
          + " and "
          + (described.size() - 3)
          + " more";
    }
    return String.join(", ", described);
  }

  /** The canonical name of a field the statement is read for, in any case, or null. */
  private static String known(String name) {
    for (String field : List.of("_type", "predicateType", "subject", "predicate")) {
      if (field.equalsIgnoreCase(name)) {
        return field;
      }
    }
    return null;
  }

  private static String text(Map<String, JsonNode> fields, String name)
      throws InvalidAttestationException {
    JsonNode node = fields.get(name);
    if (node == null) {
      throw new InvalidAttestationException("has no " + name);
    }
    if (!node.isTextual()) {
      throw new InvalidAttestationException(name + " is not a string");
    }
    return node.textValue();
  }

  private static List<Map<String, String>> subjects(JsonNode subject)
      throws InvalidAttestationException {
    if (subject == null) {
      throw new InvalidAttestationException("has no subject");
    }
    if (!subject.isArray()) {
      throw new InvalidAttestationException("subject is not an array");
    }
    if (subject.isEmpty()) {
      throw new InvalidAttestationException("subject is empty");
    }
    List<Map<String, String>> subjects = new ArrayList<>(subject.size());
    for (int i = 0; i < subject.size(); i++) {
      String path = "subject[" + i + "]";
      JsonNode entry = subject.get(i);
      if (!entry.isObject()) {
        throw new InvalidAttestationException(path + " is not an object");
      }
      JsonNode digest = AttestationJson.required(entry, "digest", path + ".digest");
      if (!digest.isObject()) {
        throw new InvalidAttestationException(path + ".digest is not an object");
      }
      Map<String, String> digests = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : digest.properties()) {
        if (!e.getValue().isTextual()) {
          throw new InvalidAttestationException(path + ".digest values must be strings");
        }
        digests.put(e.getKey(), e.getValue().textValue());
      }
      subjects.add(digests);
    }
    return subjects;
  }
}
