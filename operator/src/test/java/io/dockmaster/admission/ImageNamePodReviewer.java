package io.dockmaster.admission;

import io.dockmaster.api.v1alpha1.PolicyMode;
import io.dockmaster.policy.PodReviewer;
import io.dockmaster.policy.PodUnderReview;
import io.dockmaster.policy.Violation;
import io.dockmaster.policy.ViolationReason;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the policy engine that judges by image name: "bad" (or a word in {@link #alsoBad})
 * breaks an Enforce policy, "warn" a Warn policy, "audit" an Audit policy; "slow" never finishes;
 * "boom" throws.
 */
final class ImageNamePodReviewer implements PodReviewer {

  final List<PodUnderReview> reviewed = new CopyOnWriteArrayList<>();

  /** More words that break the Enforce policy, as if a policy had changed. */
  final Set<String> alsoBad = ConcurrentHashMap.newKeySet();

  @Override
  public List<Violation> review(PodUnderReview pod) {
    reviewed.add(pod);
    List<Violation> violations = new ArrayList<>();
    if (!pod.ephemeralOnly()) {
      judge(pod, "initContainers", images(pod.spec().getInitContainers()), violations);
      judge(pod, "containers", images(pod.spec().getContainers()), violations);
    }
    List<String[]> ephemeral =
        Optional.ofNullable(pod.spec().getEphemeralContainers()).orElse(List.of()).stream()
            .map((EphemeralContainer c) -> new String[] {c.getName(), c.getImage()})
            .toList();
    judge(pod, "ephemeralContainers", ephemeral, violations);
    return violations;
  }

  private static List<String[]> images(List<Container> containers) {
    return Optional.ofNullable(containers).orElse(List.of()).stream()
        .map(c -> new String[] {c.getName(), c.getImage()})
        .toList();
  }

  private void judge(
      PodUnderReview pod, String list, List<String[]> containers, List<Violation> violations) {
    for (int i = 0; i < containers.size(); i++) {
      String name = containers.get(i)[0];
      String image = containers.get(i)[1];
      String field = pod.specPath() + "." + list + "[" + i + "]";
      if (image.contains("slow")) {
        try {
          Thread.sleep(60_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        }
      }
      if (image.contains("boom")) {
        throw new NullPointerException(
            "Cannot invoke \"java.lang.String.length()\" because \"io.dockmaster.X.y\" is null");
      }
      if (image.contains("bad") || alsoBad.stream().anyMatch(image::contains)) {
        violations.add(violation("prod", PolicyMode.Enforce, field, name, image));
      }
      if (image.contains("warn")) {
        violations.add(violation("staging", PolicyMode.Warn, field, name, image));
      }
      if (image.contains("audit")) {
        violations.add(violation("observe", PolicyMode.Audit, field, name, image));
      }
    }
  }

  static Violation violation(
      String policy, PolicyMode mode, String field, String container, String image) {
    return new Violation(
        policy,
        mode,
        field,
        container,
        image,
        Optional.of("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
        ViolationReason.NOT_SIGNED,
        "no signature by authority \"release\"",
        "sign it with cosign using the release key");
  }
}
