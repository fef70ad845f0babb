package io.dockmaster.signature;

import io.dockmaster.registry.Digest;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Which trusted authorities signed one image digest, and why every other signature found for it
 * does not count.
 *
 * @param verifiedAuthorities names of the authorities with at least one valid signature, sorted
 * @param rejections what sources could not read, then checked signatures that do not count, each in
 *     the order found; signatures beyond the limits are summed up in one entry
 * @param signaturesFound candidates plus unreadable entries: 0 means nothing is stored at all
 */
public record SignatureVerdict(
    Digest digest,
    Set<String> verifiedAuthorities,
    List<Rejection> rejections,
    int signaturesFound) {

  /** The overall answer, for conditions and admission messages. */
  public enum Outcome {
    /** At least one trusted authority signed the digest. */
    VERIFIED,
    /** Nothing is stored as a signature for the digest. */
    UNSIGNED,
    /** Signatures exist, but none by a trusted authority for this digest. */
    UNTRUSTED
  }

  /** Admission messages and events stay readable; the full list is in {@link #rejections()}. */
  private static final int SUMMARY_REJECTIONS = 3;

  public SignatureVerdict {
    Objects.requireNonNull(digest, "digest");
    verifiedAuthorities = Collections.unmodifiableSet(new TreeSet<>(verifiedAuthorities));
    rejections = List.copyOf(rejections);
    if (signaturesFound < 0) {
      throw new IllegalArgumentException("signaturesFound must not be negative");
    }
  }

  public Outcome outcome() {
    if (!verifiedAuthorities.isEmpty()) {
      return Outcome.VERIFIED;
    }
    return signaturesFound == 0 ? Outcome.UNSIGNED : Outcome.UNTRUSTED;
  }

  public boolean isVerifiedBy(String authority) {
    return verifiedAuthorities.contains(authority);
  }

  /** Whether at least {@code threshold} distinct authorities signed, as "2 of 3" policies ask. */
  public boolean meetsThreshold(int threshold) {
    return verifiedAuthorities.size() >= threshold;
  }

  /** One line for people, e.g. {@code sha256:0123456789ab is signed by release, security}. */
  public String summary() {
    return switch (outcome()) {
      case VERIFIED ->
          digest.shortForm() + " is signed by " + String.join(", ", verifiedAuthorities);
      case UNSIGNED -> digest.shortForm() + " has no signatures";
      case UNTRUSTED ->
          digest.shortForm()
              + " has "
              + signaturesFound
              + (signaturesFound == 1 ? " signature" : " signatures")
              + ", none by a trusted key for this image: "
              + rejectionsInBrief();
    };
  }

  private String rejectionsInBrief() {
    String shown =
        rejections.stream()
            .limit(SUMMARY_REJECTIONS)
            .map(Rejection::message)
            .collect(Collectors.joining("; "));
    int hidden = rejections.size() - SUMMARY_REJECTIONS;
    return hidden > 0 ? shown + "; and " + hidden + " more" : shown;
  }
}
