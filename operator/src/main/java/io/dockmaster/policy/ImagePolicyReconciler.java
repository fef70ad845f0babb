package io.dockmaster.policy;

import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.api.v1alpha1.ImagePolicyStatus;
import io.dockmaster.events.EventReason;
import io.dockmaster.events.EventRecorder;
import io.dockmaster.status.ConditionSet;
import io.dockmaster.status.ErrorMessages;
import io.dockmaster.status.StatusPatch;
import io.dockmaster.validation.Validated;
import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Validates each {@link ImagePolicy}, puts valid ones in force and reports in status why an invalid
 * one was refused. Re-validated periodically because referenced key Secrets can change without the
 * policy changing. A valid policy also has the workloads already running in its scope audited when
 * its generation is new to the audit and then on the {@link AuditSchedule}; the periodic
 * reconciliation is what brings the schedule round.
 */
@ControllerConfiguration(
    name = "imagepolicy",
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class ImagePolicyReconciler implements Reconciler<ImagePolicy> {

  private static final Duration AUDIT_AFTER_READY = Duration.ofSeconds(1);

  private final PolicyValidator validator;
  private final PolicyIndex index;
  private final WorkloadAudit audit;
  private final AuditSchedule auditSchedule;
  private final ImagePolicyStatusBuilder statuses;
  private final EventRecorder events;

  public ImagePolicyReconciler(
      PolicyValidator validator,
      PolicyIndex index,
      WorkloadAudit audit,
      AuditSchedule auditSchedule,
      ImagePolicyStatusBuilder statuses,
      EventRecorder events) {
    this.validator = validator;
    this.index = index;
    this.audit = audit;
    this.auditSchedule = auditSchedule;
    this.statuses = statuses;
    this.events = events;
  }

  @Override
  public UpdateControl<ImagePolicy> reconcile(ImagePolicy policy, Context<ImagePolicy> context) {
    Validated<LoadedPolicy> validation = validator.validate(policy);
    String name = policy.getMetadata().getName();
    ImagePolicyStatus status;
    boolean auditNext = false;
    if (validation.value().isPresent()) {
      LoadedPolicy loaded = validation.value().get();
      status = statuses.loaded(policy, loaded, Optional.empty());
      if (auditSchedule.isDue(policy)) {
        // An audit can take a minute: a policy newly in force says so first and is audited next.
        auditNext =
            ConditionSet.changed(
                previousConditions(policy), status.getConditions(), ImagePolicyStatusBuilder.READY);
        if (!auditNext) {
          status = statuses.loaded(policy, loaded, Optional.of(audit.audit(loaded)));
        }
      }
    } else {
      Optional<LoadedPolicy> inForce = index.inForce(name, policy.getMetadata().getUid());
      status = statuses.refused(policy, validation, inForce);
    }
    events.onTransition(
        policy,
        previousConditions(policy),
        status.getConditions(),
        ImagePolicyStatusBuilder.READY,
        EventReason.PolicyLoaded,
        EventReason.PolicyRejected);
    UpdateControl<ImagePolicy> control =
        UpdateControl.patchStatus(StatusPatch.of(policy, status, ImagePolicy::new));
    return auditNext ? control.rescheduleAfter(AUDIT_AFTER_READY) : control;
  }

  @Override
  public ErrorStatusUpdateControl<ImagePolicy> updateErrorStatus(
      ImagePolicy policy, Context<ImagePolicy> context, Exception e) {
    ImagePolicyStatus status =
        statuses.failed(policy, "Reconciliation failed and is retried: " + ErrorMessages.of(e));
    return ErrorStatusUpdateControl.patchStatus(StatusPatch.of(policy, status, ImagePolicy::new));
  }

  private static List<Condition> previousConditions(ImagePolicy policy) {
    return policy.getStatus() == null ? List.of() : policy.getStatus().getConditions();
  }
}
