package io.dockmaster.mirror;

import io.dockmaster.api.v1alpha1.ImageMirror;
import io.dockmaster.api.v1alpha1.ImageMirrorStatus;
import io.dockmaster.api.v1alpha1.ResolvedImage;
import io.dockmaster.events.EventReason;
import io.dockmaster.events.EventRecorder;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.RegistryClient;
import io.dockmaster.registry.RegistryException;
import io.dockmaster.secret.SecretKeyReader.SecretLookupException;
import io.dockmaster.status.ErrorMessages;
import io.dockmaster.status.StatusPatch;
import io.dockmaster.validation.Validated;
import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
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

/**
 * Resolves each {@link ImageMirror}'s images upstream and reports digests, sizes and failures in
 * status; runs again every refreshInterval so moved tags are noticed, and sooner, with backoff,
 * after a failure.
 */
@ControllerConfiguration(name = "imagemirror")
public class ImageMirrorReconciler implements Reconciler<ImageMirror> {

  private static final Duration RETRY_CEILING = Duration.ofMinutes(10);

  private final MirrorSpecValidator validator;
  private final UpstreamClients upstreams;
  private final ImageResolver resolver;
  private final ImageMirrorStatusBuilder statuses;
  private final RetryBackoff backoff;
  private final EventRecorder events;
  private final Clock clock;

  public ImageMirrorReconciler(
      MirrorSpecValidator validator,
      UpstreamClients upstreams,
      ImageResolver resolver,
      ImageMirrorStatusBuilder statuses,
      RetryBackoff backoff,
      EventRecorder events,
      Clock clock) {
    this.validator = validator;
    this.upstreams = upstreams;
    this.resolver = resolver;
    this.statuses = statuses;
    this.backoff = backoff;
    this.events = events;
    this.clock = clock;
  }

  @Override
  public UpdateControl<ImageMirror> reconcile(ImageMirror mirror, Context<ImageMirror> context) {
    String uid = mirror.getMetadata().getUid();
    Validated<MirrorTarget> validation = validator.validate(mirror);
    if (validation.value().isEmpty()) {
      ImageMirrorStatus status = statuses.invalid(mirror, validation);
      announce(mirror, status, EventReason.MirrorSpecInvalid);
      // A spec change triggers the next reconciliation; retrying the same spec cannot help.
      return UpdateControl.patchStatus(StatusPatch.of(mirror, status, ImageMirror::new));
    }
    MirrorTarget target = validation.value().get();
    RegistryClient client;
    try {
      client = upstreams.clientFor(target);
    } catch (SecretLookupException | IllegalArgumentException e) {
      ImageMirrorStatus status = statuses.credentialsUnavailable(mirror, e.getMessage());
      announce(mirror, status, EventReason.UpstreamFailed);
      return UpdateControl.patchStatus(StatusPatch.of(mirror, status, ImageMirror::new))
          .rescheduleAfter(backoff.failed(uid, target.refreshInterval()));
    }
    ResolutionRun run = resolveAll(client, target);
    ImageMirrorStatus status = statuses.afterRun(mirror, target, run);
    announce(
        mirror, status, run.complete() ? EventReason.MirrorResolved : EventReason.UpstreamFailed);
    Duration next;
    if (run.complete()) {
      backoff.succeeded(uid);
      next = target.refreshInterval();
    } else {
      next = backoff.failed(uid, target.refreshInterval());
    }
    return UpdateControl.patchStatus(StatusPatch.of(mirror, status, ImageMirror::new))
        .rescheduleAfter(next);
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
    List<ResolvedImage> resolved = new ArrayList<>();
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

  private void announce(ImageMirror mirror, ImageMirrorStatus status, EventReason reason) {
    List<Condition> before =
        mirror.getStatus() == null ? List.of() : mirror.getStatus().getConditions();
    events.onTransition(
        mirror, before, status.getConditions(), ImageMirrorStatusBuilder.READY, reason, reason);
  }
}
