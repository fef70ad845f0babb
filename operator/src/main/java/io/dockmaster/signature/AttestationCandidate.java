package io.dockmaster.signature;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One attestation as found in a registry, not yet trusted: a DSSE envelope exactly as stored.
 *
 * @param origin where it was found, for people, e.g. {@code cosign attestation 2 (sha256:0123…)}
 * @param envelope the envelope's JSON bytes; already checked against their content digest
 * @param annotatedPredicateType the predicate type the storage format labels it with (cosign's
 *     {@code predicateType} layer annotation), or {@code null}. Not signed, so never decisive: it
 *     only names the attestation in messages when the envelope cannot be read.
 */
public record AttestationCandidate(String origin, byte[] envelope, String annotatedPredicateType) {

  public AttestationCandidate {
    Objects.requireNonNull(origin, "origin");
    envelope = Objects.requireNonNull(envelope, "envelope").clone();
  }

  @Override
  public byte[] envelope() {
    return envelope.clone();
  }

  /** The envelope's size without copying it. */
  public int size() {
    return envelope.length;
  }

  public Optional<String> annotatedPredicateTypeIfSet() {
    return Optional.ofNullable(annotatedPredicateType).filter(type -> !type.isEmpty());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AttestationCandidate other
        && origin.equals(other.origin)
        && Arrays.equals(envelope, other.envelope)
        && Objects.equals(annotatedPredicateType, other.annotatedPredicateType);
  }

  @Override
  public int hashCode() {
    return Objects.hash(origin, Arrays.hashCode(envelope), annotatedPredicateType);
  }

  @Override
  public String toString() {
    return "AttestationCandidate{" + origin + ", " + envelope.length + " envelope bytes}";
  }
}
