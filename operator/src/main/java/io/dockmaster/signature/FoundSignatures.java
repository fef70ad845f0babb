package io.dockmaster.signature;

import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link SignatureSource} found for one image: candidates to check, and things stored as
 * signatures that it could not or would not read (with the reason, so verdicts can explain them).
 */
public record FoundSignatures(List<SignatureCandidate> candidates, List<Rejection> unreadable) {

  private static final FoundSignatures NONE = new FoundSignatures(List.of(), List.of());

  public FoundSignatures {
    candidates = List.copyOf(candidates);
    unreadable = List.copyOf(unreadable);
  }

  /** Nothing stored where this source looks: the image is unsigned as far as it can tell. */
  public static FoundSignatures none() {
    return NONE;
  }

  public boolean isEmpty() {
    return candidates.isEmpty() && unreadable.isEmpty();
  }

  /** Both findings together, this one's first. */
  public FoundSignatures plus(FoundSignatures other) {
    List<SignatureCandidate> allCandidates = new ArrayList<>(candidates);
    allCandidates.addAll(other.candidates);
    List<Rejection> allUnreadable = new ArrayList<>(unreadable);
    allUnreadable.addAll(other.unreadable);
    return new FoundSignatures(allCandidates, allUnreadable);
  }
}
