package io.dockmaster.mirror;

import io.dockmaster.api.v1alpha1.ImageMirror;
import io.dockmaster.api.v1alpha1.ImageMirrorStatus;
import io.dockmaster.control.UpstreamAccess;
import io.dockmaster.distribution.DistributionCoordinator;
import io.dockmaster.distribution.DistributionProgress;
import io.dockmaster.events.EventReason;
import io.dockmaster.events.EventRecorder;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.RegistryClient;
import io.dockmaster.registry.RegistryException;
import io.dockmaster.secret.SecretKeyReader.SecretLookupException;
import io.dockmaster.status.ConditionSet;
import io.dockmaster.status.ErrorMessages;
import io.dockmaster.status.StatusPatch;
import io.dockmaster.validation.Validated;
import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Resolves each {@link ImageMirror}'s images upstream (again every refreshInterval, sooner with
 * backoff after a failure), hands the blobs to the distribution coordinator, and reports both in
 * status — every few seconds while nodes are still receiving. Deleting a mirror releases its blobs
 * on every node.
 */
@ControllerConfiguration(name = "imagemirror")
public class ImageMirrorReconciler implements Reconciler<ImageMirror>, Cleaner<ImageMirror> {

  private static final Duration RETRY_CEILING = Duration.ofMinutes(10);
  private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(2);
  private static final Duration SETTLED_INTERVAL = Duration.ofSeconds(30);

  private final MirrorSpecValidator validator;
  private final UpstreamClients upstreams;
  private final ImageResolver resolver;
  private final ImageMirrorStatusBuilder statuses;
  private final RetryBackoff backoff;
  private final DistributionCoordinator distribution;
  private final EventRecorder events;
  private final Clock clock;
  private final ResolutionSchedule resolutions = new ResolutionSchedule();

  public ImageMirrorReconciler(
      MirrorSpecValidator validator,
      UpstreamClients upstreams,
      ImageResolver resolver,
      ImageMirrorStatusBuilder statuses,
      RetryBackoff backoff,
      DistributionCoordinator distribution,
      EventRecorder events,
      Clock clock) {
    this.validator = validator;
    this.upstreams = upstreams;
    this.resolver = resolver;
    this.statuses = statuses;
    this.backoff = backoff;
    this.distribution = distribution;
    this.events = events;
    this.clock = clock;
  }

  @Override
  public UpdateControl<ImageMirror> reconcile(ImageMirror mirror, Context<ImageMirror> context) {
    String uid = mirror.getMetadata().getUid();
    long generation = mirror.getMetadata().getGeneration();
    Validated<MirrorTarget> validation = validator.validate(mirror);
    if (validation.value().isEmpty()) {
      ImageMirrorStatus status = statuses.invalid(mirror, validation);
      announce(mirror, status, EventReason.MirrorSpecInvalid, EventReason.MirrorSpecInvalid);
      // A spec change triggers the next reconciliation; retrying the same spec cannot help. The
      // previous generation's blobs stay pinned and distributed: nothing in force is dropped.
      return UpdateControl.patchStatus(StatusPatch.of(mirror, status, ImageMirror::new));
    }
    MirrorTarget target = validation.value().get();
    RegistryClient client;
    UpstreamAccess access;
    try {
      client = upstreams.clientFor(target);
      access = upstreams.accessFor(target);
    } catch (SecretLookupException | IllegalArgumentException e) {
      ImageMirrorStatus status = statuses.credentialsUnavailable(mirror, e.getMessage());
      announce(mirror, status, EventReason.UpstreamFailed, EventReason.UpstreamFailed);
      return UpdateControl.patchStatus(StatusPatch.of(mirror, status, ImageMirror::new))
          .rescheduleAfter(backoff.failed(uid, target.refreshInterval()));
    }
    Instant now = clock.instant();
    ResolutionRun run =
        resolutions
            .current(uid, generation, now)
            .orElseGet(() -> resolveNow(uid, generation, client, target));
    Optional<DistributionProgress> progress = Optional.empty();
    if (!run.contents().isEmpty()) {
      // Learnt while resolving: agents then need not each try TLS on a plain-HTTP registry first.
      UpstreamAccess forAgents = access.withPlainHttp(client.speaksPlainHttp(target.registry()));
      progress = distribution.distribute(DistributionTargets.of(mirror, target, run, forAgents));
    }
    ImageMirrorStatus status =
        statuses.afterRun(mirror, target, run, progress, distribution.roundFailure(uid));
    announce(
        mirror,
        status,
        EventReason.MirrorPrefetched,
        run.complete() ? EventReason.MirrorPrefetching : EventReason.UpstreamFailed);
    announceRoundFailure(mirror, status);
    return UpdateControl.patchStatus(StatusPatch.of(mirror, status, ImageMirror::new))
        .rescheduleAfter(nextReconcile(uid, run, progress, now));
  }

  private ResolutionRun resolveNow(
      String uid, long generation, RegistryClient client, MirrorTarget target) {
    ResolutionRun run = resolveAll(client, target);
    Duration wait;
    if (run.complete()) {
      backoff.succeeded(uid);
      wait = target.refreshInterval();
    } else {
      wait = backoff.failed(uid, target.refreshInterval());
    }
    resolutions.resolved(uid, generation, run, run.finished().plus(wait));
    return run;
  }

  /**
   * Soon while nodes are still receiving; every half minute once settled, so nodes that join (or
   * agents that start) show in status; never later than the next resolution.
   */
  private Duration nextReconcile(
      String uid, ResolutionRun run, Optional<DistributionProgress> progress, Instant now) {
    Instant resolveAt = resolutions.nextResolution(uid).orElse(now);
    Duration untilResolve = Duration.between(now, resolveAt);
    if (untilResolve.isNegative()) {
      untilResolve = Duration.ZERO;
    }
    if (run.contents().isEmpty()) {
      return untilResolve.plusMillis(1);
    }
    boolean settled = progress.map(p -> p.isComplete() || p.desired() == 0).orElse(false);
    Duration refresh = settled ? SETTLED_INTERVAL : PROGRESS_INTERVAL;
    return untilResolve.compareTo(refresh) < 0 ? untilResolve.plusMillis(1) : refresh;
  }

  @Override
  public DeleteControl cleanup(ImageMirror mirror, Context<ImageMirror> context) {
    String uid = mirror.getMetadata().getUid();
    distribution.forget(uid);
    resolutions.forget(uid);
    backoff.succeeded(uid);
    return DeleteControl.defaultDelete();
  }

  /**
   * After JOSDK's own retries are spent it would not run again until the next event, so this
   * schedules the next attempt itself.
   */
  @Override
  public ErrorStatusUpdateControl<ImageMirror> updateErrorStatus(
      ImageMirror mirror, Context<ImageMirror> context, Exception e) {
    Duration next = backoff.failed(mirror.getMetadata().getUid(), RETRY_CEILING);
    ImageMirrorStatus status =
        statuses.failed(
            mirror, "Reconciliation failed: " + ErrorMessages.of(e) + "; retrying in " + next);
    return ErrorStatusUpdateControl.patchStatus(StatusPatch.of(mirror, status, ImageMirror::new))
        .rescheduleAfter(next);
  }

  private ResolutionRun resolveAll(RegistryClient client, MirrorTarget target) {
    Instant started = clock.instant();
    List<ImageContent> resolved = new ArrayList<>();
    Map<ImageReference, RegistryException> failures = new LinkedHashMap<>();
    for (ImageReference image : target.images()) {
      try {
        resolved.add(resolver.resolve(client, image));
      } catch (RegistryException e) {
        failures.put(image, e);
      }
    }
    return new ResolutionRun(started, clock.instant(), resolved, failures);
  }

  /** Ready does not change when rounds start failing, so its Event would not tell. */
  private void announceRoundFailure(ImageMirror mirror, ImageMirrorStatus status) {
    Optional<Condition> degraded =
        ConditionSet.find(status.getConditions(), ImageMirrorStatusBuilder.DEGRADED)
            .filter(
                c ->
                    ImageMirrorStatusBuilder.Reason.DistributionRoundFailed.name()
                        .equals(c.getReason()));
    List<Condition> before =
        mirror.getStatus() == null ? List.of() : mirror.getStatus().getConditions();
    if (degraded.isPresent()
        && ConditionSet.changed(
            before, status.getConditions(), ImageMirrorStatusBuilder.DEGRADED)) {
      events.warning(mirror, EventReason.DistributionRoundFailed, degraded.get().getMessage());
    }
  }

  private void announce(
      ImageMirror mirror, ImageMirrorStatus status, EventReason whenReady, EventReason otherwise) {
    List<Condition> before =
        mirror.getStatus() == null ? List.of() : mirror.getStatus().getConditions();
    events.onTransition(
        mirror,
        before,
        status.getConditions(),
        ImageMirrorStatusBuilder.READY,
        whenReady,
        otherwise);
  }
}
