package io.dockmaster.signature;

import java.util.ArrayList;
import java.util.List;

/**
 * What an {@link AttestationSource} found for one image: envelopes to check, and things stored as
 * attestations that it could not or would not read (with the reason, so verdicts can explain them).
 */
public record FoundAttestations(
    List<AttestationCandidate> candidates, List<AttestationRejection> unreadable) {

  private static final FoundAttestations NONE = new FoundAttestations(List.of(), List.of());

  public FoundAttestations {
    candidates = List.copyOf(candidates);
    unreadable = List.copyOf(unreadable);
  }

  /** Nothing stored where this source looks: the image has no attestations as far as it knows. */
  public static FoundAttestations none() {
    return NONE;
  }

  public boolean isEmpty() {
    return candidates.isEmpty() && unreadable.isEmpty();
  }

  /** Both findings together, this one's first. */
  public FoundAttestations plus(FoundAttestations other) {
    List<AttestationCandidate> allCandidates = new ArrayList<>(candidates);
    allCandidates.addAll(other.candidates);
    List<AttestationRejection> allUnreadable = new ArrayList<>(unreadable);
    allUnreadable.addAll(other.unreadable);
    return new FoundAttestations(allCandidates, allUnreadable);
  }
}
