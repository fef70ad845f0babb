package io.dockmaster.signature;

import java.util.Objects;

/**
 * An attestation that was found but does not count, and why.
 *
 * @param origin where it was found, as in {@link AttestationCandidate#origin()}
 * @param predicateType the predicate type it claims, from its statement or else the storage
 *     format's label, so a policy can tell "missing" from "present but not trusted"; unsigned by
 *     any trusted key, so only for explanations. Empty when unknown.
 * @param detail one sentence for people, naming digests or keys where that helps
 */
public record AttestationRejection(
    String origin, AttestationRejectionReason reason, String predicateType, String detail) {

  public AttestationRejection {
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(reason, "reason");
    predicateType = predicateType == null ? "" : predicateType;
    Objects.requireNonNull(detail, "detail");
  }

  /** {@code origin: label (detail)}, for admission messages and events. */
  public String message() {
    return origin + ": " + reason.label() + " (" + detail + ")";
  }
}
