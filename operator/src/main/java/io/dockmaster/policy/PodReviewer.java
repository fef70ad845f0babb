package io.dockmaster.policy;

import java.util.List;

/**
 * Judges a pod spec against every policy in force. Admission maps the violations to its answer by
 * their mode: Enforce denies, Warn warns, Audit records.
 */
public interface PodReviewer {

  /**
   * Every violation of every container, in field order (containers, initContainers,
   * ephemeralContainers, image volumes). Never throws for registry trouble: an image whose facts
   * cannot be fetched yields an {@link ViolationReason#IMAGE_UNAVAILABLE} violation naming the
   * registry, so admission fails closed with a reason.
   */
  List<Violation> review(PodUnderReview pod);
}
