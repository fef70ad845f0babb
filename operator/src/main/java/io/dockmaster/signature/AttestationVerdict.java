package io.dockmaster.signature;

import io.dockmaster.registry.Digest;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Which trusted authorities attested what about one image digest, and why every other attestation
 * found for it does not count.
 *
 * @param verified predicate type (as the signed statement says it) to the names of the authorities
 *     with at least one valid attestation of that type for this digest, both sorted
 * @param rejections what sources could not read, then checked attestations that do not count, each
 *     in the order found; attestations beyond the limits are summed up in one entry
 * @param attestationsFound candidates plus unreadable entries: 0 means nothing is stored at all
 */
public record AttestationVerdict(
    Digest digest,
    Map<String, Set<String>> verified,
    List<AttestationRejection> rejections,
    int attestationsFound) {

  /** Admission messages and events stay readable; the full list is in {@link #rejections()}. */
  private static final int SUMMARY_REJECTIONS = 3;

  public AttestationVerdict {
    Objects.requireNonNull(digest, "digest");
    Map<String, Set<String>> copy = new TreeMap<>();
    verified.forEach(
        (type, names) -> {
          if (!names.isEmpty()) {
            copy.put(type, Collections.unmodifiableSet(new TreeSet<>(names)));
          }
        });
    verified = Collections.unmodifiableMap(copy);
    rejections = List.copyOf(rejections);
    if (attestationsFound < 0) {
      throw new IllegalArgumentException("attestationsFound must not be negative");
    }
  }

  /** The authorities that validly attested {@code predicateType} for this digest; may be empty. */
  public Set<String> authoritiesFor(String predicateType) {
    return verified.getOrDefault(predicateType, Set.of());
  }

  /**
   * Whether one of {@code signedBy} validly attested {@code predicateType} for this digest.
   *
   * @param signedBy authority names; empty means any of the authorities the verdict was made
   *     against, as {@code AttestationRequirement.signedBy} means
   */
  public boolean isAttested(String predicateType, Collection<String> signedBy) {
    Set<String> signers = authoritiesFor(predicateType);
    return signedBy.isEmpty() ? !signers.isEmpty() : signedBy.stream().anyMatch(signers::contains);
  }

  /** Rejected attestations that claim {@code predicateType}. */
  public List<AttestationRejection> rejectionsFor(String predicateType) {
    return rejections.stream().filter(r -> r.predicateType().equals(predicateType)).toList();
  }

  /**
   * Why {@link #isAttested} is false, as a clause for an admission message, e.g. {@code it has no
   * attestations} or {@code 1 of that type does not count: cosign attestation 1 (sha256:…):
   * attestation for another image (…)}.
   */
  public String whyNotAttested(String predicateType, Collection<String> signedBy) {
    Set<String> signers = authoritiesFor(predicateType);
    if (!signers.isEmpty()) {
      return signedBy.isEmpty()
          ? "it is attested"
          : "it is attested only by " + quoted(signers) + ", not by " + quoted(signedBy);
    }
    List<AttestationRejection> ofType = rejectionsFor(predicateType);
    if (!ofType.isEmpty()) {
      return ofType.size()
          + " of that type "
          + (ofType.size() == 1 ? "does" : "do")
          + " not count: "
          + inBrief(ofType, 1);
    }
    if (attestationsFound == 0) {
      return "it has no attestations";
    }
    Set<String> otherTypes = new TreeSet<>(verified.keySet());
    rejections.stream()
        .map(AttestationRejection::predicateType)
        .filter(type -> !type.isEmpty())
        .forEach(otherTypes::add);
    List<AttestationRejection> untyped =
        rejections.stream().filter(r -> r.predicateType().isEmpty()).toList();
    StringBuilder why = new StringBuilder("it has none of that type");
    if (!otherTypes.isEmpty()) {
      why.append(", only ")
          .append(
              otherTypes.stream()
                  .map(SimpleSigningPayload::printable)
                  .collect(Collectors.joining(", ")));
    }
    if (!untyped.isEmpty()) {
      why.append("; ")
          .append(untyped.size())
          .append(untyped.size() == 1 ? " attestation" : " attestations")
          .append(" of unknown type did not count: ")
          .append(inBrief(untyped, 1));
    }
    return why.toString();
  }

  /**
   * One line for people, e.g. {@code sha256:0123456789ab is attested: https://…/bom by release}.
   */
  public String summary() {
    if (attestationsFound == 0) {
      return digest.shortForm() + " has no attestations";
    }
    String attested =
        verified.isEmpty()
            ? digest.shortForm()
                + " has "
                + attestationsFound
                + (attestationsFound == 1 ? " attestation" : " attestations")
                + ", none by a trusted key for this image"
            : digest.shortForm()
                + " is attested: "
                + verified.entrySet().stream()
                    .map(
                        e ->
                            SimpleSigningPayload.printable(e.getKey())
                                + " by "
                                + String.join(", ", e.getValue()))
                    .collect(Collectors.joining("; "));
    return rejections.isEmpty()
        ? attested
        : attested + "; not counted: " + inBrief(rejections, SUMMARY_REJECTIONS);
  }

  private static String inBrief(List<AttestationRejection> rejections, int shown) {
    String listed =
        rejections.stream()
            .limit(shown)
            .map(AttestationRejection::message)
            .collect(Collectors.joining("; "));
    int hidden = rejections.size() - shown;
    return hidden > 0 ? listed + "; and " + hidden + " more" : listed;
  }

  private static String quoted(Collection<String> names) {
    return names.stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(", "));
  }
}
