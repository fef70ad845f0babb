package io.dockmaster.mirror;

import io.dockmaster.api.v1alpha1.ImageMirror;
import io.dockmaster.api.v1alpha1.ImageMirrorStatus;
import io.dockmaster.api.v1alpha1.NodeCounts;
import io.dockmaster.api.v1alpha1.NodeFailure;
import io.dockmaster.api.v1alpha1.ResolvedImage;
import io.dockmaster.distribution.DistributionProgress;
import io.dockmaster.distribution.RoundFailure;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.RegistryException;
import io.dockmaster.status.ConditionSet;
import io.dockmaster.validation.Validated;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Clock;
import java.time.Instant;
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
    Prefetching,
    Prefetched,
    NoAgents,
    TransferFailed,
    DistributionRoundFailed,
    AsExpected
  }

  private final Clock clock;

  public ImageMirrorStatusBuilder(Clock clock) {
    this.clock = clock;
  }

  /**
   * Status after a resolution and, when agents run, the distribution it feeds.
   *
   * @param progress empty before the first distribution round
   * @param roundFailure present while distribution rounds fail; progress is then older
   */
  public ImageMirrorStatus afterRun(
      ImageMirror mirror,
      MirrorTarget target,
      ResolutionRun run,
      Optional<DistributionProgress> progress,
      Optional<RoundFailure> roundFailure) {
    ImageMirrorStatus status = start(mirror);
    status.setImages(merge(mirror, target, run));
    status.setResolvedImageCount(run.resolved().size());
    status.setLastRunStartTime(seconds(run.started()));
    status.setLastRunFinishTime(seconds(run.finished()));
    progress.ifPresent(p -> distribution(status, p));
    if (run.complete()) {
      String resolved = describeResolved(run.resolved(), target.registry());
      ConditionSet conditions =
          conditions(mirror)
              .set(
                  DEGRADED,
                  false,
                  Reason.AsExpected.name(),
                  "Upstream " + target.registry() + " answers");
      PrefetchState state = PrefetchState.of(progress);
      // Ready's message stays put while bytes flow (it drives Events); the numbers go on
      // Progressing, which is rewritten every few seconds during a run.
      String summary = resolved + state.summarize(progress);
      String detail = resolved + state.describe(progress);
      conditions
          .set(READY, state.ready, state.reason.name(), summary)
          .set(PROGRESSING, state.progressing, state.reason.name(), detail);
      if (state.reason == Reason.TransferFailed) {
        conditions.set(DEGRADED, true, Reason.TransferFailed.name(), detail);
      }
      // Above a transfer failure: while rounds fail, no transfer is re-planned at all.
      roundFailure.ifPresent(
          failure ->
              conditions.set(
                  DEGRADED, true, Reason.DistributionRoundFailed.name(), describe(failure)));
      status.setConditions(conditions.toList());
    } else {
      Reason reason = reasonOf(run.failures().values().iterator().next());
      status.setConditions(
          failing(
              mirror,
              reason,
              describeFailures(run.failures(), run.resolved().size()) + ". " + fixFor(reason)));
    }
    return status;
  }

  private static void distribution(ImageMirrorStatus status, DistributionProgress progress) {
    status.setNodes(new NodeCounts(progress.desired(), progress.complete(), progress.failed()));
    for (ResolvedImage image : status.getImages()) {
      image.setNodesComplete(progress.completeByImage().getOrDefault(image.getReference(), 0));
    }
    status.setNodesReady(progress.complete() + "/" + progress.desired());
    status.setProgress(progress.percent() + "%");
    status.setBytesFromUpstream(progress.bytesFromUpstream());
    status.setBytesFromPeers(progress.bytesFromPeers());
    if (progress.desired() > 0) {
      // A run is resolve-and-distribute: it ends when the last node holds everything.
      status.setLastRunStartTime(seconds(progress.started()));
      status.setLastRunFinishTime(
          progress.finished().map(ImageMirrorStatusBuilder::seconds).orElse(null));
    }
    List<NodeFailure> failures = new ArrayList<>();
    for (DistributionProgress.NodeProblem problem : progress.failures()) {
      NodeFailure failure = new NodeFailure();
      failure.setNode(problem.node());
      failure.setBlob(problem.blob());
      failure.setReason(problem.reason());
      failure.setMessage(problem.message());
      failure.setTime(seconds(problem.at()));
      failures.add(failure);
    }
    status.setFailures(failures);
  }

  /** Stable while the streak lasts, so the condition is not rewritten at every failed round. */
  static String describe(RoundFailure failure) {
    return "Distribution rounds have failed since "
        + seconds(failure.since())
        + ", so no transfer is ordered or re-planned: "
        + failure.cause()
        + ". Nodes keep the layers they hold and rounds are retried every few seconds; if this"
        + " goes on, it is a Dockmaster bug or the API server is unreachable: see the operator's"
        + " log and metric dockmaster_distribution_rounds_failed_total";
  }

  private static String seconds(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** Ready, Progressing and their reason, from how far distribution got. */
  private record PrefetchState(boolean ready, boolean progressing, Reason reason) {

    static PrefetchState of(Optional<DistributionProgress> progress) {
      if (progress.isEmpty()) {
        return new PrefetchState(false, true, Reason.Prefetching);
      }
      DistributionProgress p = progress.get();
      if (p.desired() == 0) {
        return new PrefetchState(false, false, Reason.NoAgents);
      }
      if (p.isComplete()) {
        return new PrefetchState(true, false, Reason.Prefetched);
      }
      return new PrefetchState(
          false, true, p.failed() > 0 ? Reason.TransferFailed : Reason.Prefetching);
    }

    String summarize(Optional<DistributionProgress> progress) {
      int nodes = progress.map(DistributionProgress::desired).orElse(0);
      return switch (reason) {
        case NoAgents -> describe(progress);
        case Prefetched -> "; all " + nodes + " nodes hold every layer";
        case TransferFailed ->
            "; transfers failed on some of "
                + nodes
                + " nodes and are planned again from other sources; see status.failures";
        default ->
            progress.isEmpty() ? "; prefetching starts" : "; prefetching onto " + nodes + " nodes";
      };
    }

    String describe(Optional<DistributionProgress> progress) {
      if (progress.isEmpty()) {
        return "; prefetching starts";
      }
      DistributionProgress p = progress.get();
      return switch (reason) {
        case NoAgents ->
            "; no node running a Dockmaster agent matches spec.nodeSelector, so nothing is"
                + " prefetched. Enable the agent DaemonSet (Helm value agent.enabled) or widen"
                + " spec.nodeSelector";
        case Prefetched ->
            "; all "
                + p.desired()
                + " nodes hold every layer ("
                + humanBytes(p.bytesFromUpstream())
                + " from upstream, "
                + humanBytes(p.bytesFromPeers())
                + " from peers)";
        default ->
            "; "
                + p.complete()
                + " of "
                + p.desired()
                + " nodes complete, "
                + p.percent()
                + "% of bytes"
                + (p.failures().isEmpty()
                    ? ""
                    : "; latest failure on node "
                        + p.failures().get(0).node()
                        + ": "
                        + p.failures().get(0).reason()
                        + ": "
                        + p.failures().get(0).message()
                        + " (re-planned from another source)");
      };
    }
  }

  public ImageMirrorStatus invalid(ImageMirror mirror, Validated<MirrorTarget> validation) {
    ImageMirrorStatus status = start(mirror);
    // Resolutions of the refused spec's images would describe a spec that is not in force.
    status.setImages(List.of());
    status.setResolvedImageCount(0);
    status.setConditions(
        failing(mirror, Reason.InvalidSpec, "Spec refused: " + validation.describeErrors()));
    return status;
  }

  public ImageMirrorStatus credentialsUnavailable(ImageMirror mirror, String problem) {
    ImageMirrorStatus status = start(mirror);
    status.setConditions(
        failing(
            mirror, Reason.CredentialsUnavailable, "Cannot read upstream credentials: " + problem));
    return status;
  }

  /**
   * Reconciliation itself failed, so the spec was not acted on: observedGeneration stays where it
   * was.
   */
  public ImageMirrorStatus failed(ImageMirror mirror, String message) {
    ImageMirrorStatus status = start(mirror);
    if (mirror.getStatus() != null) {
      status.setObservedGeneration(mirror.getStatus().getObservedGeneration());
    }
    status.setConditions(
        conditions(mirror)
            .set(READY, ConditionSet.UNKNOWN, Reason.ReconcileError.name(), message)
            .set(PROGRESSING, ConditionSet.UNKNOWN, Reason.ReconcileError.name(), message)
            .set(DEGRADED, true, Reason.ReconcileError.name(), message)
            .toList());
    return status;
  }

  /** Every condition says the same thing on a failing path, so no alert watches a stale one. */
  private List<Condition> failing(ImageMirror mirror, Reason reason, String message) {
    return conditions(mirror)
        .set(READY, false, reason.name(), message)
        .set(PROGRESSING, false, reason.name(), message)
        .set(DEGRADED, true, reason.name(), message)
        .toList();
  }

  private static String fixFor(Reason reason) {
    return switch (reason) {
      case UpstreamUnauthorized ->
          "Set spec.upstream.credentialsSecretRef to a kubernetes.io/dockerconfigjson Secret with"
              + " pull access";
      case UpstreamForbidden -> "Grant the credentials' account pull access to these repositories";
      case ImageNotFound -> "Check the repository and tag in spec.images; retrying with backoff";
      case UpstreamUnreachable ->
          "Check that spec.upstream.registry is reachable from the operator; retrying with backoff";
      default -> "Retrying with backoff";
    };
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
      status.setNodesReady(previous.getNodesReady());
      status.setProgress(previous.getProgress());
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
