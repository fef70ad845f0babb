package io.dockmaster.policy;

import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.api.v1alpha1.ImagePolicyStatus;
import io.dockmaster.status.ConditionSet;
import io.dockmaster.validation.Validated;
import java.time.Clock;
import java.util.Optional;

/** The one place an {@link ImagePolicy}'s status is computed. */
public final class ImagePolicyStatusBuilder {

  public static final String READY = "Ready";

  /** Reasons of the Ready condition. */
  public enum Reason {
    Loaded,
    InvalidSpec,
    ReconcileError
  }

  private final Clock clock;

  public ImagePolicyStatusBuilder(Clock clock) {
    this.clock = clock;
  }

  public ImagePolicyStatus loaded(ImagePolicy policy, LoadedPolicy loaded) {
    int authorities = loaded.authorities().size();
    String message =
        "Policy generation "
            + loaded.generation()
            + " is in force ("
            + policy.getSpec().getMode()
            + " mode, "
            + authorities
            + (authorities == 1 ? " authority" : " authorities")
            + ")";
    ImagePolicyStatus status = start(policy);
    status.setAuthorities(authorities);
    status.setConditions(
        conditions(policy).set(READY, true, Reason.Loaded.name(), message).toList());
    return status;
  }

  /**
   * @param inForce the version admission still enforces, if an earlier one was valid
   */
  public ImagePolicyStatus refused(
      ImagePolicy policy, Validated<LoadedPolicy> validation, Optional<LoadedPolicy> inForce) {
    String message =
        "Spec refused: "
            + validation.describeErrors()
            + inForce
                .map(p -> ". Generation " + p.generation() + " stays in force")
                .orElse(". No version of this policy is in force");
    ImagePolicyStatus status = start(policy);
    status.setAuthorities(inForce.map(p -> p.authorities().size()).orElse(0));
    status.setConditions(
        conditions(policy).set(READY, false, Reason.InvalidSpec.name(), message).toList());
    return status;
  }

  /** The spec was not acted on, so observedGeneration stays where it was. */
  public ImagePolicyStatus failed(ImagePolicy policy, String message) {
    ImagePolicyStatus status = start(policy);
    if (policy.getStatus() != null) {
      status.setObservedGeneration(policy.getStatus().getObservedGeneration());
    }
    status.setConditions(
        conditions(policy)
            .set(READY, ConditionSet.UNKNOWN, Reason.ReconcileError.name(), message)
            .toList());
    return status;
  }

  private ImagePolicyStatus start(ImagePolicy policy) {
    ImagePolicyStatus previous = policy.getStatus();
    ImagePolicyStatus status = new ImagePolicyStatus();
    status.setObservedGeneration(policy.getMetadata().getGeneration());
    if (previous != null) {
      status.setAuthorities(previous.getAuthorities());
      status.setAudit(previous.getAudit());
    }
    return status;
  }

  private ConditionSet conditions(ImagePolicy policy) {
    ImagePolicyStatus previous = policy.getStatus();
    return ConditionSet.from(
        previous == null ? null : previous.getConditions(),
        policy.getMetadata().getGeneration() == null ? 0 : policy.getMetadata().getGeneration(),
        clock);
  }
}
