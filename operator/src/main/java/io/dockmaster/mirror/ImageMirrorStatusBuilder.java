package io.dockmaster.mirror;

import io.dockmaster.api.v1alpha1.ImageMirror;
import io.dockmaster.api.v1alpha1.ImageMirrorStatus;
import io.dockmaster.api.v1alpha1.ResolvedImage;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.RegistryException;
import io.dockmaster.status.ConditionSet;
import io.dockmaster.validation.FieldError;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The one place an {@link ImageMirror}'s status is computed. */
public final class ImageMirrorStatusBuilder {

  public static final String READY = "Ready";
  public static final String PROGRESSING = "Progressing";
  public static final String DEGRADED = "Degraded";

  /** How many failures a condition message names before summarizing the rest. */
  private static final int MESSAGE_FAILURES = 3;

  /** Reasons of the conditions. */
  public enum Reason {
    Resolved,
    Resolving,
    InvalidSpec,
    CredentialsUnavailable,
    UpstreamUnauthorized,
    UpstreamForbidden,
    ImageNotFound,
    UpstreamUnreachable,
    UpstreamRateLimited,
    DigestMismatch,
    UpstreamProtocolError,
    ReconcileError,
    AsExpected
  }

  private final Clock clock;

  public ImageMirrorStatusBuilder(Clock clock) {
    this.clock = clock;
  }

  public ImageMirrorStatus afterRun(ImageMirror mirror, MirrorTarget target, ResolutionRun run) {
    ImageMirrorStatus status = start(mirror);
    status.setImages(merge(mirror, target, run));
    status.setResolvedImageCount(run.resolved().size());
    status.setLastRunStartTime(run.started().truncatedTo(ChronoUnit.SECONDS).toString());
    status.setLastRunFinishTime(run.finished().truncatedTo(ChronoUnit.SECONDS).toString());
    ConditionSet conditions = conditions(mirror);
    if (run.complete()) {
      String message = describeResolved(run.resolved(), target.registry());
      conditions
          .set(READY, true, Reason.Resolved.name(), message)
          .set(PROGRESSING, false, Reason.Resolved.name(), message)
          .set(
              DEGRADED,
              false,
              Reason.AsExpected.name(),
              "Upstream " + target.registry() + " answers");
    } else {
      Reason reason = reasonOf(run.failures().values().iterator().next());
      String message = describeFailures(run.failures(), run.resolved().size());
      conditions
          .set(READY, false, reason.name(), message)
          .set(PROGRESSING, false, reason.name(), "Retrying with backoff: " + message)
          .set(DEGRADED, true, reason.name(), message);
    }
    status.setConditions(conditions.toList());
    return status;
  }

  public ImageMirrorStatus invalid(ImageMirror mirror, List<FieldError> errors) {
    String message =
        "Spec refused: "
            + errors.stream().map(FieldError::toString).collect(Collectors.joining("; "));
    ImageMirrorStatus status = start(mirror);
    status.setConditions(
        conditions(mirror)
            .set(READY, false, Reason.InvalidSpec.name(), message)
            .set(PROGRESSING, false, Reason.InvalidSpec.name(), "Waiting for a valid spec")
            .toList());
    return status;
  }

  public ImageMirrorStatus credentialsUnavailable(ImageMirror mirror, String problem) {
    String message = "Cannot read upstream credentials: " + problem;
    ImageMirrorStatus status = start(mirror);
    status.setConditions(
        conditions(mirror)
            .set(READY, false, Reason.CredentialsUnavailable.name(), message)
            .set(DEGRADED, true, Reason.CredentialsUnavailable.name(), message)
            .toList());
    return status;
  }

  public ImageMirrorStatus failed(ImageMirror mirror, String message) {
    ImageMirrorStatus status = start(mirror);
    status.setConditions(
        conditions(mirror)
            .set(READY, ConditionSet.UNKNOWN, Reason.ReconcileError.name(), message)
            .toList());
    return status;
  }

  static Reason reasonOf(RegistryException failure) {
    return switch (failure.kind()) {
      case UNAUTHORIZED -> Reason.UpstreamUnauthorized;
      case FORBIDDEN -> Reason.UpstreamForbidden;
      case NOT_FOUND -> Reason.ImageNotFound;
      case UNREACHABLE -> Reason.UpstreamUnreachable;
      case RATE_LIMITED -> Reason.UpstreamRateLimited;
      case DIGEST_MISMATCH -> Reason.DigestMismatch;
      case PROTOCOL -> Reason.UpstreamProtocolError;
    };
  }

  /**
   * Freshly resolved images, plus the last known resolution of images that failed this time: a
   * passing registry outage must not erase what the cluster already knows.
   */
  private static List<ResolvedImage> merge(
      ImageMirror mirror, MirrorTarget target, ResolutionRun run) {
    List<ResolvedImage> previous =
        mirror.getStatus() == null ? List.of() : mirror.getStatus().getImages();
    List<ResolvedImage> merged = new ArrayList<>();
    for (ImageReference image : target.images()) {
      String reference = image.toString();
      Optional<ResolvedImage> fresh =
          run.resolved().stream().filter(r -> reference.equals(r.getReference())).findFirst();
      fresh
          .or(() -> previous.stream().filter(r -> reference.equals(r.getReference())).findFirst())
          .ifPresent(merged::add);
    }
    return merged;
  }

  private static String describeResolved(List<ResolvedImage> resolved, String registry) {
    int layers = resolved.stream().mapToInt(ResolvedImage::getLayers).sum();
    long bytes = resolved.stream().mapToLong(ResolvedImage::getBytes).sum();
    return "Resolved "
        + resolved.size()
        + (resolved.size() == 1 ? " image" : " images")
        + " on "
        + registry
        + " ("
        + layers
        + (layers == 1 ? " layer, " : " layers, ")
        + humanBytes(bytes)
        + ")";
  }

  private static String describeFailures(
      Map<ImageReference, RegistryException> failures, int resolvedCount) {
    String named =
        failures.values().stream()
            .limit(MESSAGE_FAILURES)
            .map(RegistryException::getMessage)
            .collect(Collectors.joining("; "));
    int more = failures.size() - MESSAGE_FAILURES;
    return failures.size()
        + " of "
        + (failures.size() + resolvedCount)
        + " images could not be resolved: "
        + named
        + (more > 0 ? "; and " + more + " more" : "");
  }

  static String humanBytes(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = bytes;
    int unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }

  private ImageMirrorStatus start(ImageMirror mirror) {
    ImageMirrorStatus previous = mirror.getStatus();
    ImageMirrorStatus status = new ImageMirrorStatus();
    status.setObservedGeneration(mirror.getMetadata().getGeneration());
    if (previous != null) {
      status.setImages(previous.getImages());
      status.setResolvedImageCount(previous.getResolvedImageCount());
      status.setNodes(previous.getNodes());
      status.setFailures(previous.getFailures());
      status.setBytesFromUpstream(previous.getBytesFromUpstream());
      status.setBytesFromPeers(previous.getBytesFromPeers());
      status.setLastRunStartTime(previous.getLastRunStartTime());
      status.setLastRunFinishTime(previous.getLastRunFinishTime());
    }
    return status;
  }

  private ConditionSet conditions(ImageMirror mirror) {
    ImageMirrorStatus previous = mirror.getStatus();
    Long generation = mirror.getMetadata().getGeneration();
    return ConditionSet.from(
        previous == null ? null : previous.getConditions(),
        generation == null ? 0 : generation,
        clock);
  }
}
