package io.dockmaster.signature;

import java.util.Objects;

/**
 * A signature that was found but does not count, and why.
 *
 * @param origin where it was found, as in {@link SignatureCandidate#origin()}
 * @param detail one sentence for people, naming digests or keys where that helps
 */
public record Rejection(String origin, RejectionReason reason, String detail) {

  public Rejection {
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
  }

  /** {@code origin: label (detail)}, for admission messages and events. */
  public String message() {
    return origin + ": " + reason.label() + " (" + detail + ")";
  }
}
